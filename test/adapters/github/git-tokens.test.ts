import { Writable } from "node:stream";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { installationGitTokens } from "../../../adapters/github/git-tokens.ts";
import { githubFixture } from "../../../demo/stand-ins/fake-github.ts";
import { createLogger } from "../../../src/logging/logger.ts";
import { api } from "./harness.ts";

const example = githubFixture("installation-token.json");
const tokenAnswer = (token: string, expiresAt: Date) => ({
  ...example,
  token,
  expires_at: expiresAt.toISOString(),
});

const appOctokit = () =>
  new Octokit({
    auth: "app.jwt.for-tests",
    baseUrl: api,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });

describe("installation tokens for git", () => {
  it("mints a token scoped to the run's repository and to contents, and reuses it while it is fresh", async () => {
    let clock = Date.parse("2026-12-01T12:00:00Z");
    const scope = nock(api)
      .post("/app/installations/42/access_tokens", {
        repositories: ["Hello-World"],
        permissions: { contents: "write" },
      })
      .reply(201, tokenAnswer("ghs_first_token_aaaaaaaaaaaaaaaaaaaaaaaa", new Date(clock + 3600_000)));
    const tokens = installationGitTokens({
      appOctokit: appOctokit(),
      installationId: 42,
      repositories: ["Hello-World"],
      onToken: () => {},
      now: () => clock,
    });
    expect(await tokens.token()).toBe("ghs_first_token_aaaaaaaaaaaaaaaaaaaaaaaa");
    clock += 45 * 60_000;
    expect(await tokens.token()).toBe("ghs_first_token_aaaaaaaaaaaaaaaaaaaaaaaa");
    scope.done();
  });

  it("mints a new token before the old one expires, and once for callers that ask together", async () => {
    let clock = Date.parse("2026-12-01T12:00:00Z");
    const scope = nock(api)
      .post("/app/installations/42/access_tokens")
      .reply(201, tokenAnswer("ghs_first_token_aaaaaaaaaaaaaaaaaaaaaaaa", new Date(clock + 3600_000)))
      .post("/app/installations/42/access_tokens")
      .reply(201, tokenAnswer("ghs_second_token_bbbbbbbbbbbbbbbbbbbbbbb", new Date(clock + 7200_000)));
    const minted: string[] = [];
    const tokens = installationGitTokens({
      appOctokit: appOctokit(),
      installationId: 42,
      repositories: ["Hello-World"],
      onToken: (token) => minted.push(token),
      now: () => clock,
    });
    await tokens.token();
    clock += 51 * 60_000; // 9 minutes left: inside the 10-minute margin
    const together = await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
    expect(together).toEqual(Array(3).fill("ghs_second_token_bbbbbbbbbbbbbbbbbbbbbbb"));
    expect(minted).toEqual([
      "ghs_first_token_aaaaaaaaaaaaaaaaaaaaaaaa",
      "ghs_second_token_bbbbbbbbbbbbbbbbbbbbbbb",
    ]);
    scope.done();
  });

  it("puts every minted token in the log scrubber before it can reach a log line", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const secrets: string[] = [];
    const log = createLogger({ secrets, destination });
    nock(api)
      .post("/app/installations/42/access_tokens")
      .reply(201, tokenAnswer("ghs_minted_during_the_run_cccccccccccccc", new Date(Date.now() + 3600_000)));
    const tokens = installationGitTokens({
      appOctokit: appOctokit(),
      installationId: 42,
      repositories: ["Hello-World"],
      onToken: (token) => secrets.push(token),
    });
    const token = await tokens.token();
    log.info({ remote: `https://x-access-token:${token}@github.com/o/r.git` }, "push failed");
    expect(lines.join("")).not.toContain(token);
    expect(lines.join("")).toContain("https://x-access-token:[Redacted]@github.com/o/r.git");
  });

  it("says what to do when the app may not mint a token for the installation", async () => {
    nock(api)
      .post("/app/installations/42/access_tokens")
      .reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/apps/apps" });
    const tokens = installationGitTokens({
      appOctokit: appOctokit(),
      installationId: 42,
      repositories: ["Hello-World"],
      onToken: () => {},
    });
    await expect(tokens.token()).rejects.toMatchObject({
      code: "github_not_found",
      message: expect.stringMatching(/^mint a git token for installation 42: GitHub answered 404/),
    });
  });
});
