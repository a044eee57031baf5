import { z } from "zod";

const label = z.string().min(1).nullable();

/**
 * The label each normalized task status puts on an issue; null puts none. Moving to a status removes the
 * labels of the others, so an issue shows one at a time. GitHub creates a label the first time it is used.
 */
export const statusLabelsSchema = z
  .strictObject({
    todo: label.default(null),
    in_progress: label.default("ai-in-progress"),
    in_review: label.default("ai-in-review"),
    done: label.default(null),
    blocked: label.default("ai-blocked"),
  })
  .prefault({});
export type StatusLabels = z.infer<typeof statusLabelsSchema>;

/** GitHub needs no connection settings: the App's installation token is used. */
export const githubConfigSchema = z.strictObject({
  release_branch: z
    .string()
    .min(1)
    .optional()
    .describe("The base branch hotfix pull requests target; the default branch when unset."),
  status_labels: statusLabelsSchema.describe("The issue label for each task status (update_status)."),
});
export type GithubConfig = z.infer<typeof githubConfigSchema>;
