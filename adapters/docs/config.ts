import { z } from "zod";

/** The `docs` documentation provider: pages as Markdown files in the run's worktree, committed with its work. */
export const docsConfigSchema = z.strictObject({
  directory: z
    .string()
    .min(1)
    .default("docs")
    .describe("Where pages go, relative to the repository root, e.g. docs/ or docs/ai; never outside it."),
});
export type DocsConfig = z.infer<typeof docsConfigSchema>;
