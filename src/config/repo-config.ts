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
  })
  .describe("ai-dev repository configuration (.github/ai-dev.yml)");

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export interface EffectiveRepoConfig {
  limits: Limits;
  defaultWorkflow: string;
  blockedPaths: string[];
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
    ignored,
  };
}
