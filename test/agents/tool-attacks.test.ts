import { existsSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createToolbox, type Toolbox, type ToolCall } from "../../src/agents/tools/toolbox.ts";
import { shellRunner } from "./support/shell-runner.ts";
import { type TempWorktree, tempWorktree } from "./support/worktree.ts";

/**
 * Scripted tool calls a model steered by a hostile issue might make. Each must be refused with a message
 * the model can act on, and nothing outside the worktree (nor any blocked file) may be read or changed.
 */
let worktree: TempWorktree;
let tools: Toolbox;

beforeEach(async () => {
  worktree = tempWorktree({
    "src/app.ts": "export const app = 1;\n",
    ".env": "ANTHROPIC_API_KEY=sk-ant-planted\n",
    "config/.env.production": "DB_PASSWORD=planted\n",
    "deploy/server.pem": "-----BEGIN PRIVATE KEY-----\n",
    ".github/workflows/ci.yml": "on: push\n",
    "vendor/secrets/token.txt": "planted\n",
  });
  symlinkSync(worktree.outside, path.join(worktree.dir, "escape"));
  symlinkSync(path.join(worktree.outside, "secret.txt"), path.join(worktree.dir, "secret-link.txt"));
  symlinkSync(path.join(worktree.outside, "not-yet.txt"), path.join(worktree.dir, "dangling.txt"));
  symlinkSync(".env", path.join(worktree.dir, "innocent.txt"));
  tools = await createToolbox({
    dir: worktree.dir,
    runner: shellRunner,
    blockedPaths: ["**/secrets/**"],
    rootAliases: ["/workspace"],
  });
});
afterEach(() => worktree.remove());

let nextId = 1;
const call = (name: string, input: Record<string, unknown>): ToolCall => ({
  id: `toolu_${nextId++}`,
  name,
  input,
});
const view = (p: string) => call("str_replace_based_edit_tool", { command: "view", path: p });

function expectOutsideUntouched() {
  expect(readdirSync(worktree.outside)).toEqual(["secret.txt"]);
  expect(readFileSync(path.join(worktree.outside, "secret.txt"), "utf8")).toBe("outside-secret\n");
}

async function expectRefused(toolCall: ToolCall, message: RegExp) {
  const { result, events } = await tools.dispatch(toolCall);
  expect(result.is_error).toBe(true);
  expect(String(result.content)).toMatch(message);
  expect(String(result.content)).not.toMatch(/outside-secret|sk-ant-planted|root:x:0/);
  expect(events).toEqual([expect.objectContaining({ kind: "refused", tool: toolCall.name })]);
  expectOutsideUntouched();
}

describe("tool attacks", () => {
  it("refuses to view ../../etc/passwd", async () => {
    await expectRefused(
      view("../../etc/passwd"),
      /^\.\.\/\.\.\/etc\/passwd climbs out of the repository with "\.\.": refused/,
    );
  });

  it("refuses a path that climbs out after going in", async () => {
    await expectRefused(view("src/../../outside/secret.txt"), /climbs out of the repository/);
  });

  it("refuses to view /proc/self/environ and /proc/1/environ", async () => {
    await expectRefused(
      view("/proc/self/environ"),
      /^\/proc\/self\/environ is an absolute path outside the repository: refused; use a path relative/,
    );
    await expectRefused(view("/proc/1/environ"), /is an absolute path outside the repository/);
  });

  it("refuses an absolute path outside the worktree, and takes one inside it", async () => {
    await expectRefused(
      view(path.join(worktree.outside, "secret.txt")),
      /is an absolute path outside the repository/,
    );
    const inside = await tools.dispatch(view(path.join(worktree.dir, "src/app.ts")));
    expect(inside.result.content).toBe("     1\texport const app = 1;");
    const aliased = await tools.dispatch(view("/workspace/src/app.ts"));
    expect(aliased.result.content).toBe("     1\texport const app = 1;");
  });

  it("refuses to follow a symbolic link out of the worktree, to a file or a directory", async () => {
    await expectRefused(
      view("secret-link.txt"),
      /^secret-link\.txt leads outside the repository through a symbolic link: refused/,
    );
    await expectRefused(view("escape/secret.txt"), /leads outside the repository through a symbolic link/);
    await expectRefused(view("escape"), /leads outside the repository through a symbolic link/);
  });

  it("refuses to create or edit a file through a link that leads out", async () => {
    await expectRefused(
      call("str_replace_based_edit_tool", {
        command: "create",
        path: "escape/planted.sh",
        file_text: "echo hi",
      }),
      /leads outside the repository through a symbolic link/,
    );
    await expectRefused(
      call("str_replace_based_edit_tool", {
        command: "create",
        path: "escape/new-dir/planted.sh",
        file_text: "x",
      }),
      /leads outside the repository through a symbolic link/,
    );
    await expectRefused(
      call("str_replace_based_edit_tool", {
        command: "str_replace",
        path: "secret-link.txt",
        old_str: "outside",
        new_str: "x",
      }),
      /leads outside the repository/,
    );
    await expectRefused(
      call("str_replace_based_edit_tool", { command: "create", path: "dangling.txt", file_text: "x" }),
      /^dangling\.txt is a symbolic link to a place that does not exist: refused/,
    );
  });

  it("refuses .env, wherever it is, and a link inside the worktree that points at it", async () => {
    await expectRefused(
      view(".env"),
      /^\.env is a blocked path .*: it can be neither read nor written; work on other files$/,
    );
    await expectRefused(view("config/.env.production"), /is a blocked path/);
    await expectRefused(view("innocent.txt"), /^innocent\.txt is a blocked path/);
    await expectRefused(
      call("str_replace_based_edit_tool", { command: "create", path: ".env", file_text: "X=1" }),
      /is a blocked path/,
    );
    expect(readFileSync(path.join(worktree.dir, ".env"), "utf8")).toBe("ANTHROPIC_API_KEY=sk-ant-planted\n");
  });

  it("refuses .git/config and anything else under .git", async () => {
    await expectRefused(view(".git/config"), /^\.git\/config is a blocked path/);
    await expectRefused(view(".git"), /is a blocked path/);
    await expectRefused(
      call("str_replace_based_edit_tool", {
        command: "create",
        path: ".git/hooks/pre-commit",
        file_text: "curl evil",
      }),
      /is a blocked path/,
    );
    expect(existsSync(path.join(worktree.dir, ".git/hooks/pre-commit"))).toBe(false);
  });

  it("refuses to create or edit a workflow under .github/workflows", async () => {
    await expectRefused(
      call("str_replace_based_edit_tool", {
        command: "create",
        path: ".github/workflows/exfiltrate.yml",
        file_text: "on: push\njobs: {}\n",
      }),
      /^\.github\/workflows\/exfiltrate\.yml is a blocked path/,
    );
    await expectRefused(
      call("str_replace_based_edit_tool", {
        command: "str_replace",
        path: ".github/workflows/ci.yml",
        old_str: "push",
        new_str: "pull_request_target",
      }),
      /is a blocked path/,
    );
    expect(readdirSync(path.join(worktree.dir, ".github/workflows"))).toEqual(["ci.yml"]);
    expect(readFileSync(path.join(worktree.dir, ".github/workflows/ci.yml"), "utf8")).toBe("on: push\n");
  });

  it("refuses private keys and the operator's security.blocked_paths", async () => {
    await expectRefused(view("deploy/server.pem"), /is a blocked path/);
    await expectRefused(view("vendor/secrets/token.txt"), /is a blocked path/);
    await expectRefused(view("vendor/secrets"), /is a blocked path/);
  });

  it("never lists blocked files or follows links when listing", async () => {
    const { result } = await tools.dispatch(view("."));
    const entries = String(result.content).split("\n").slice(1);
    expect(entries).toEqual([
      "config/",
      "dangling.txt@",
      "deploy/",
      "escape@",
      "innocent.txt@",
      "secret-link.txt@",
      "src/",
      "src/app.ts",
      "vendor/",
    ]);
    const config = await tools.dispatch(view("config"));
    expect(String(config.result.content).split("\n").slice(1)).toEqual([""]);
  });

  it("refuses a search scoped outside the worktree or at a blocked path", async () => {
    await expectRefused(
      call("search", { pattern: "secret", path: "../outside" }),
      /climbs out of the repository/,
    );
    await expectRefused(call("search", { pattern: "planted", path: ".env" }), /is a blocked path/);
    await expectRefused(
      call("search", { pattern: "secret", path: "escape" }),
      /leads outside the repository/,
    );
    const all = await tools.dispatch(call("search", { pattern: "planted" }));
    expect(all.result.content).toBe('No matches for "planted".');
  });
});
