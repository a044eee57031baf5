import type { Context } from "probot";
import { type EffectiveRepoConfig, narrowConfig, repoConfigSchema } from "../../src/config/repo-config.ts";
import type { GithubHandlerDeps } from "./deps.ts";

/**
 * The repository's `.github/ai-dev.yml` (read through Probot's context.config, which also falls back
 * to the organisation's .github repository), narrowed by the global configuration. An invalid file
 * gets a comment that names the problem, and no run starts on settings nobody meant.
 */
export async function effectiveRepoConfig(
  context: Context,
  deps: GithubHandlerDeps,
  issue: { owner: string; repo: string; number: number },
): Promise<EffectiveRepoConfig | undefined> {
  const raw = await context.config<Record<string, unknown>>("ai-dev.yml");
  const parsed = repoConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `- \`${i.path.join(".") || "(file)"}\`: ${i.message}`)
      .join("\n");
    await context.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: issue.owner,
      repo: issue.repo,
      issue_number: issue.number,
      body: `${deps.config.system.name} did not start: \`.github/ai-dev.yml\` is not valid.\n\n${problems}`,
    });
    return undefined;
  }
  const effective = narrowConfig(deps.config, parsed.data);
  if (!deps.intake.workflows.get(effective.defaultWorkflow)) {
    await context.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: issue.owner,
      repo: issue.repo,
      issue_number: issue.number,
      body: `${deps.config.system.name} did not start: \`.github/ai-dev.yml\` picks the workflow \`${effective.defaultWorkflow}\`, which does not exist. The workflows are: ${deps.intake.workflows.names().join(", ")}.`,
    });
    return undefined;
  }
  return effective;
}
