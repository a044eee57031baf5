import { z } from "zod";

/** GitHub needs no connection settings: the App's installation token is used. */
export const githubConfigSchema = z.strictObject({
  release_branch: z
    .string()
    .min(1)
    .optional()
    .describe("The base branch hotfix pull requests target; the default branch when unset."),
});
export type GithubConfig = z.infer<typeof githubConfigSchema>;
