import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSandbox } from "../../src/sandbox/check-sandbox.ts";
import { cleanEnv, outputOf, repoRoot } from "../support/cli.ts";

const sandbox = await checkSandbox();

describe.skipIf(!sandbox.ok)("the README's demo command", () => {
  it("`npm run demo` labels the sample issue, ends with the pull request open and cleans up", async () => {
    // Exactly what the README says, through npm, from the shell's environment (minus a database URL).
    const child = spawn("npm", ["run", "demo"], {
      cwd: repoRoot,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const { code, stdout, stderr } = await outputOf(child);

    expect({ code, stderr }).toMatchObject({ code: 0 });
    // Said plainly at the start and at the end.
    expect(stdout.split("\n").slice(0, 8).join("\n")).toContain("GitHub and Claude are SIMULATED");
    expect(stdout.trimEnd().split("\n").slice(-3).join("\n")).toContain("GitHub and Claude were simulated");
    // Each step as it happens, then the pull request, its description and its diff.
    expect(stdout).toContain("webhook: accepted (HTTP 200)");
    expect(stdout).toContain("Claude (simulated), call 3: runs `sh test.sh` in the sandbox");
    expect(stdout).toContain("git: the app pushed its branch");
    expect(stdout).toContain("- Ran: `sh test.sh` → exit 0");
    expect(stdout).toMatch(/Pull request #\d+ is open/);
    expect(stdout).toContain("branch:   ai/7-fix-the-typo-in-the-greeting → main");
    expect(stdout).toContain("Closes Codertocat/Hello-World#7");
    expect(stdout).toContain("-Hello, wrld\n+Hello, world");
    expect(stdout).toMatch(/Done in [\d.]+ s: the pull request is open\./);
    // Its temporary directory (database, workspaces, remote) is gone.
    const root = /workspaces in (\S+) \(removed at the end\)/.exec(stdout)?.[1];
    expect(root).toContain("ai-dev-demo-");
    expect(existsSync(root as string)).toBe(false);
  }, 180_000);
});
