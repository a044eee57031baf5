/** The context the development agent starts with: the task, the repository's instructions, its map. */

export { defaultRepoMapLimits, type RepoMapLimits } from "./repo-map.ts";
export {
  buildStartingContext,
  type StartingContext,
  type StartingContextOptions,
  untrustedDataRule,
} from "./starting-context.ts";
export { type ContextTask, contextTaskSchema, parseTaskFile } from "./task-input.ts";
