import type { CommandResult, CommandRunner } from "../tools/command-runner.ts";

export interface CheckResult {
  name: "test" | "lint";
  command: string;
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** The end of the output, where test runners say what failed. */
  tail: string;
}

/**
 * The repository's own checks, run by the app after the model ends (never on the model's word), in the
 * sandbox with no network.
 */
export async function runChecks(
  workspace: {
    dir: string;
    settings: { commands: { test?: string | undefined; lint?: string | undefined } };
  },
  run: CommandRunner,
  signal: AbortSignal,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const name of ["test", "lint"] as const) {
    const command = workspace.settings.commands[name];
    if (!command) continue;
    const result: CommandResult = await run({
      dir: workspace.dir,
      command,
      timeoutMs: 10 * 60_000,
      outputCapBytes: 100_000,
      network: "none",
      signal,
    });
    results.push({
      name,
      command,
      passed: result.exitCode === 0 && !result.timedOut,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      tail: `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-15).join("\n"),
    });
  }
  return results;
}

/** The checks in a few lines, for the pull request and the progress comment. */
export function checkSummary(checks: readonly CheckResult[]): string {
  if (checks.length === 0)
    return "No checks are configured (commands.test / commands.lint in .github/ai-dev.yml).";
  return checks
    .map((c) => {
      const outcome = c.passed
        ? "passed"
        : c.timedOut
          ? "timed out"
          : `failed (exit ${c.exitCode ?? "signal"})`;
      return `- \`${c.command}\`: ${outcome}`;
    })
    .join("\n");
}
