import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { blockedPathsIn } from "../../src/sandbox/masked-paths.ts";
import { runSandboxed } from "../../src/sandbox/run-sandboxed.ts";

const sandbox = await checkSandbox();
const limits = { timeoutMs: 20_000, outputCapBytes: 100_000, network: "none" as const };
const planted = "planted-secret-5d1c";

let dir: string;
const files: Record<string, string> = {
  "src/app.ts": "export const app = 1;\n",
  ".env": `API_KEY=${planted}\n`,
  "config/.env.production": `DB_PASSWORD=${planted}\n`,
  "deploy/server.pem": `-----BEGIN PRIVATE KEY-----\n${planted}\n`,
  "keys/id_rsa": `${planted}\n`,
  ".github/workflows/ci.yml": `# ${planted}\non: push\n`,
  "vendor/secrets/token.txt": `${planted}\n`,
  "node_modules/lib/.env": `${planted}\n`,
};

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-masked-"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  // A worktree's .git is a file naming its git directory in the mirror.
  writeFileSync(path.join(dir, ".git"), "gitdir: /nonexistent/mirror.git/worktrees/run\n");
  symlinkSync(".env", path.join(dir, "innocent.txt"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (command: string, extra: Partial<Parameters<typeof runSandboxed>[0]> = {}) =>
  runSandboxed({ ...limits, dir, command, blockedPaths: ["**/secrets/**"], ...extra });

describe("blockedPathsIn", () => {
  it("lists each blocked file and directory once, at any depth, without entering a blocked directory", () => {
    mkdirSync(path.join(dir, "sub/.git/objects"), { recursive: true });
    const found = blockedPathsIn(dir, ["**/secrets/**"]).map((m) => ({
      rel: path.relative(dir, m.path),
      directory: m.directory,
    }));
    expect(found.sort((a, b) => a.rel.localeCompare(b.rel))).toEqual([
      { rel: ".env", directory: false },
      { rel: ".git", directory: false },
      { rel: ".github/workflows", directory: true },
      { rel: "config/.env.production", directory: false },
      { rel: "deploy/server.pem", directory: false },
      { rel: "keys/id_rsa", directory: false },
      { rel: "node_modules/lib/.env", directory: false },
      { rel: "sub/.git", directory: true },
      { rel: "vendor/secrets", directory: true },
    ]);
  });

  it("never lists a symbolic link, whatever its name", () => {
    symlinkSync("src/app.ts", path.join(dir, "app.pem"));
    expect(blockedPathsIn(dir).map((m) => path.basename(m.path))).not.toContain("app.pem");
  });
});

describe.skipIf(!sandbox.ok)("a sandboxed command and the blocked paths inside the worktree", () => {
  it("reads none of them, directly, through a link inside the worktree, or with grep", async () => {
    const result = await run(
      [
        "cat .env innocent.txt config/.env.production deploy/server.pem keys/id_rsa",
        "cat .github/workflows/ci.yml vendor/secrets/token.txt node_modules/lib/.env",
        "grep -r planted . ; ls .github/workflows vendor/secrets; cat src/app.ts",
      ].join("; "),
    );
    expect(result.stdout).not.toContain(planted);
    expect(result.stderr).not.toContain(planted);
    expect(result.stdout).toContain("export const app = 1;");
    expect(result.stderr).toContain(".env: Permission denied");
  });

  it("writes, removes, renames or links none of them, and the host's files stay as they were", async () => {
    const result = await run(
      [
        "echo overwritten > .env",
        "echo added >> keys/id_rsa",
        "echo x > .github/workflows/new.yml",
        "rm -f deploy/server.pem",
        "mv .env moved.env",
        "ln .env hard-link",
        "rm -rf .github/workflows vendor/secrets",
        "echo 'gitdir: /tmp/evil' > .git",
        "echo done",
      ].join("; "),
    );
    expect(result.stdout).toBe("done\n");
    for (const [file, content] of Object.entries(files))
      expect(readFileSync(path.join(dir, file), "utf8"), file).toBe(content);
    expect(readFileSync(path.join(dir, ".git"), "utf8")).toContain("/nonexistent/mirror.git");
    for (const made of ["moved.env", "hard-link", ".github/workflows/new.yml"])
      expect(existsSync(path.join(dir, made)), made).toBe(false);
  });

  it("covers a blocked file a previous command created, and a nested repository's .git", async () => {
    await run(`echo ${planted} > .env.local && mkdir -p nested/.git && echo ${planted} > nested/.git/config`);
    expect(readFileSync(path.join(dir, ".env.local"), "utf8")).toBe(`${planted}\n`);
    const result = await run("cat .env.local nested/.git/config; ls -A nested/.git; echo end");
    expect(`${result.stdout}${result.stderr}`).not.toContain(planted);
    expect(result.stdout).toBe("end\n");
  });

  it("shows no git repository, and git grep --no-index (the search tool) still works", async () => {
    const result = await run("git status; git grep --no-index -n -F 'const app' -- .");
    expect(result.stderr).toContain("not a git repository");
    expect(result.stdout).toBe("src/app.ts:1:export const app = 1;\n");
  });

  it("covers them for the setup command too, which has network", async () => {
    const result = await run("cat .env keys/id_rsa; echo end", { network: "registries" });
    expect(result.stdout).toBe("end\n");
  });
});
