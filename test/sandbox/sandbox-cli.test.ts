import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../support/cli.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-sandbox-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ai-dev sandbox", () => {
  it("runs a command in the sandbox with none of the caller's environment and prints its exit code", async () => {
    const secret = "ghs_FAKEsandboxCliSecret0123456789abcdefABCD";
    const result = await runCli(
      ["sandbox", "--dir", dir, "--", "cat /proc/1/environ; env; pwd; exit 7"],
      cleanEnv({ GITHUB_TOKEN: secret }),
    );
    expect(result.code).toBe(7);
    expect(result.stdout).toContain(`PWD=${dir}`);
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).toContain("[sandbox] exit code 7");
  });

  it("covers the blocked paths in DIR as a run does: the defaults, the operator's and the repository's", async () => {
    const repo = mkdtempSync(path.join(dir, "repo-"));
    mkdirSync(path.join(repo, ".github"));
    mkdirSync(path.join(repo, "private"));
    mkdirSync(path.join(repo, "internal"));
    writeFileSync(path.join(repo, ".github/ai-dev.yml"), 'blocked_paths: ["private/**"]\n');
    writeFileSync(path.join(repo, ".env"), "planted-dotenv\n");
    writeFileSync(path.join(repo, "private/notes.txt"), "planted-by-repo\n");
    writeFileSync(path.join(repo, "internal/notes.txt"), "planted-by-operator\n");
    writeFileSync(path.join(repo, "readme.txt"), "visible\n");
    const config = path.join(dir, "operator.config.yaml");
    writeFileSync(config, 'security:\n  blocked_paths: ["internal/**"]\n');
    const result = await runCli(
      ["sandbox", "--dir", repo, "--", "cat .env private/notes.txt internal/notes.txt readme.txt"],
      cleanEnv({ AI_DEV_CONFIG: config }),
    );
    expect(result.stdout).toBe("visible\n");
    expect(result.stderr).not.toContain("planted");
  });

  it("refuses a command security.allowed_commands does not allow, naming the setting", async () => {
    const config = path.join(dir, "ai-dev.config.yaml");
    writeFileSync(config, 'security:\n  allowed_commands: ["npm test"]\n');
    const result = await runCli(["sandbox", "--dir", dir, "--", "id"], cleanEnv({ AI_DEV_CONFIG: config }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("security.allowed_commands");
  });
});
