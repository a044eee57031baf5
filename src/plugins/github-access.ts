import type { Octokit } from "@octokit/rest";

/** What the intake worker needs of GitHub, for one installation; adapters/github implements it. */
export interface GithubAccess {
  /** The installation's REST client. */
  client(installationId: number): Promise<Pick<Octokit, "request">>;
  /** The app's own client (a JWT, no installation): it mints scoped installation tokens for git. */
  appClient(): Promise<Pick<Octokit, "request">>;
  /** The repository's `.github/ai-dev.yml` (or its organisation's), parsed; null when there is none. */
  repoConfig(installationId: number, owner: string, repo: string): Promise<unknown>;
}
