import { z } from "zod";
import type { AppConfig, Limits } from "./schema.ts";

/**
 * `.github/ai-dev.yml` in a repository: what a team may choose for itself. Every field is optional and
 * can only tighten the operator's global configuration, never widen it.
 */
export const repoConfigSchema = z
  .strictObject({
    limits: z
      .strictObject({
        max_cost_per_task: z.number().nonnegative().optional(),
        max_tokens_per_task: z.int().positive().optional(),
        monthly_budget: z.number().nonnegative().optional(),
      })
      .optional()
      .describe("Lower caps for this repository; a value above the operator's cap is ignored."),
    workflows: z
      .strictObject({
        default: z
          .string()
          .min(1)
          .optional()
          .describe(
            "The workflow the trigger label starts in this repository, by its file name (implement-issue) or the plan's name for it (standard_dev_workflow).",
          ),
      })
      .optional(),
    blocked_paths: z
      .array(z.string().min(1))
      .optional()
      .describe("More globs the agents must not touch, added to the operator's."),
    commands: z
      .strictObject({
        setup: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Runs once before the agent starts (e.g. "npm ci"), in the sandbox with network to package registries and no secrets.',
          ),
        test: z
          .string()
          .min(1)
          .optional()
          .describe(
            'The repository\'s tests (e.g. "npm test"); the app runs them when the agent is done, with no network.',
          ),
        lint: z.string().min(1).optional().describe('The linter (e.g. "npm run lint"), run with the tests.'),
      })
      .optional()
      .describe(
        "The repository's own commands. Each runs in the sandbox and still passes security.allowed_commands when the operator sets it.",
      ),
    instructions: z
      .string()
      .min(1)
      .max(20_000)
      .optional()
      .describe(
        "Guidance for the agents (code style, where things live), used when the repository has no AGENTS.md or CLAUDE.md.",
      ),
  })
  .describe("ai-dev repository configuration (.github/ai-dev.yml)");

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export type RepoCommands = NonNullable<RepoConfig["commands"]>;

export interface EffectiveRepoConfig {
  limits: Limits;
  defaultWorkflow: string;
  blockedPaths: string[];
  /** The repository's setup, test and lint commands; the operator's allowed_commands still applies. */
  commands: RepoCommands;
  instructions: string | undefined;
  /** What the repository asked for and did not get, to be said back to the team. */
  ignored: string[];
}

/** The one place where a repository's wishes meet the operator's limits: the lower cap always wins. */
export function narrowConfig(global: AppConfig, repo: RepoConfig | null | undefined): EffectiveRepoConfig {
  const ignored: string[] = [];
  const limits = { ...global.limits };
  for (const key of Object.keys(limits) as (keyof Limits)[]) {
    const wanted = repo?.limits?.[key];
    if (wanted === undefined) continue;
    if (wanted <= global.limits[key]) limits[key] = wanted;
    else ignored.push(`limits.${key} ${wanted} is above the operator's ${global.limits[key]}`);
  }
  return {
    limits,
    defaultWorkflow: repo?.workflows?.default ?? global.workflows.default,
    blockedPaths: [...new Set([...global.security.blocked_paths, ...(repo?.blocked_paths ?? [])])],
    commands: { ...repo?.commands },
    instructions: repo?.instructions,
    ignored,
  };
}
