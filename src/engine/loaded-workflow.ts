import type { Liquid } from "liquidjs";
import type { z } from "zod";
import type { SourceIssue } from "../validation/yaml-source.ts";
import type { PromptTemplate } from "./template.ts";
import type { WorkflowDefinition } from "./workflow-schema.ts";

/** A workflow that passed every load-time check, with what its steps need already parsed. */
export interface LoadedWorkflow {
  /** How runs and triggers name it: the file name without .yml (its `name` is a title for people). */
  id: string;
  file: string;
  definition: WorkflowDefinition;
  /** Parsed prompt files by their prompt_template name. */
  prompts: ReadonlyMap<string, PromptTemplate>;
  /** An ai_action's output_schema compiled to zod, by step key (`name`, or `parent/name` in a rollback). */
  outputSchemas: ReadonlyMap<string, z.ZodType>;
  /** What loads but should be said at start, with its place (a deprecated model). */
  warnings: readonly SourceIssue[];
}

/** The workflows of a directory, by id; the engine runs only what is in here. */
export interface WorkflowRegistry {
  readonly liquid: Liquid;
  /** By id, or by one of the plan's names for a shipped workflow (standard_dev_workflow). */
  get(name: string): LoadedWorkflow | undefined;
  /** The ids, sorted. */
  names(): string[];
  /** Every workflow's warnings, to be logged at start. */
  warnings(): SourceIssue[];
}

export function stepKey(name: string, parent?: string): string {
  return parent ? `${parent}/${name}` : name;
}
