import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GitError } from "simple-git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitEnv, gitOutput } from "../../src/workspace/git-client.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-git-output-"));
  execFileSync("git", ["init", "--quiet", dir]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("gitOutput (git commands that may print nothing)", () => {
  it("returns what git prints, and nothing for a command that prints nothing", async () => {
    writeFileSync(path.join(dir, "a.txt"), "a\n");
    expect(await gitOutput(dir, gitEnv(), ["add", "--all"])).toBe("");
    expect(await gitOutput(dir, gitEnv(), ["diff", "--cached", "--name-only"])).toBe("a.txt\n");
  });

  it("gives git exactly the environment it is handed: none of the app's variables reach it", async () => {
    process.env.AI_DEV_TEST_SECRET = "sk-ant-never-in-git";
    try {
      // An alias that starts with ! runs in a shell with git's environment, which `env` prints.
      const printed = await gitOutput(dir, gitEnv(), ["-c", "alias.showenv=!env", "showenv"]);
      expect(printed).toContain("GIT_CONFIG_NOSYSTEM=1");
      expect(printed).not.toContain("sk-ant-never-in-git");
      expect(printed).not.toContain("AI_DEV_TEST_SECRET");
    } finally {
      delete process.env.AI_DEV_TEST_SECRET;
    }
  });

  it("fails as simple-git does, with git's own message", async () => {
    const failure = gitOutput(dir, gitEnv(), ["rev-parse", "--verify", "no-such-ref"]);
    await expect(failure).rejects.toBeInstanceOf(GitError);
    await expect(failure).rejects.toThrow(/no-such-ref|Needed a single revision/);
  });
});
