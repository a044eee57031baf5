import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { type GithubCallOptions, githubCall } from "./github-call.ts";

export interface GitTokenOptions extends Omit<GithubCallOptions, "signal"> {
  /** The app-authenticated client (Probot's `auth()` without an installation id): it signs a JWT. */
  appOctokit: Pick<Octokit, "request">;
  installationId: number;
  /** The repositories (names, without the owner) the token may reach: the run's repository only. */
  repositories: readonly string[];
  /**
   * Called with every token minted, before anyone else sees it: the caller adds it to the live secrets
   * that the log and output scrubbers read.
   */
  onToken: (token: string) => void;
  /** A token this close to its expiry is replaced; a push can take minutes. Default 10 minutes. */
  refreshMarginMs?: number;
  now?: () => number;
}

export interface GitTokens {
  /** A valid token for git over HTTPS (`http.extraHeader`), minted again before the old one expires. */
  token(signal?: AbortSignal): Promise<string>;
}

const tokenResponse = z.object({ token: z.string().min(1), expires_at: z.iso.datetime({ offset: true }) });

/**
 * Short-lived installation tokens for git: scoped to the run's repositories and to contents only (what
 * clone, fetch and push need), never to issues or pull requests, which go through the API client.
 */
export function installationGitTokens(options: GitTokenOptions): GitTokens {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 10 * 60_000;
  let current: { token: string; expiresAt: number } | undefined;
  let minting: Promise<string> | undefined;

  async function mint(signal: AbortSignal | undefined): Promise<string> {
    const response = await githubCall(
      `mint a git token for installation ${options.installationId}`,
      () =>
        options.appOctokit.request("POST /app/installations/{installation_id}/access_tokens", {
          installation_id: options.installationId,
          repositories: [...options.repositories],
          permissions: { contents: "write" },
          ...(signal ? { request: { signal } } : {}),
        }),
      { ...options, ...(signal ? { signal } : {}) },
    );
    const data = tokenResponse.parse(response.data);
    options.onToken(data.token);
    current = { token: data.token, expiresAt: Date.parse(data.expires_at) };
    return data.token;
  }

  return {
    async token(signal) {
      if (current && current.expiresAt - now() > margin) return current.token;
      // Concurrent callers share one mint instead of each asking GitHub for a token.
      minting ??= mint(signal).finally(() => {
        minting = undefined;
      });
      return await minting;
    },
  };
}
