import type { Probot } from "probot";
import type { GithubAccess } from "../../src/plugins/github-access.ts";

/**
 * GitHub for one installation at a time, outside any webhook: Probot's app-authenticated client mints
 * (and caches) installation tokens, and its config plugin reads `.github/ai-dev.yml` the way
 * `context.config` does, falling back to the organisation's `.github` repository.
 */
export function githubAccess(probot: Probot): GithubAccess {
  return {
    client: (installationId) => probot.auth(installationId),
    appClient: () => probot.auth(),
    async repoConfig(installationId, owner, repo) {
      const octokit = await probot.auth(installationId);
      const { config } = await octokit.config.get({ owner, repo, path: ".github/ai-dev.yml" });
      return Object.keys(config).length === 0 ? null : config;
    },
  };
}
