import { z } from "zod";
import type { CommandResult, CommandRunner } from "./command-runner.ts";
import { runForTool } from "./run-for-tool.ts";
import type { ToolOutcome } from "./text-editor.ts";
import { ToolError } from "./tool-error.ts";
import { truncateMiddle } from "./truncate.ts";

export const bashToolName = "bash";

/** The input of Anthropic's bash tool (`bash_20250124`): a command, or a restart of the session. */
export const bashInputSchema = z
  .object({ command: z.string().optional(), restart: z.boolean().optional() })
  .refine((input) => input.restart === true || (input.command ?? "").trim() !== "", {
    message: "command is required (a shell command line), unless restart is true",
    path: ["command"],
  });
export type BashInput = z.infer<typeof bashInputSchema>;

export interface BashLimits {
  /**
   * `security.allowed_commands` when an operator narrowed it: each command must start with one of these
   * prefixes and chain nothing after it. Absent: any command may run (inside the sandbox).
   */
  allowedCommands?: readonly string[];
  timeoutMs: number;
  outputCapBytes: number;
  /** Characters of combined output returned to the model. */
  maxOutputChars: number;
}

/**
 * Runs one command in the worktree through the injected runner (the sandbox). There is no session that
 * outlives a command: each runs in a fresh shell in the repository root, which a restart says plainly.
 */
export async function runBash(
  dir: string,
  input: BashInput,
  runner: CommandRunner,
  limits: BashLimits,
  signal?: AbortSignal,
): Promise<ToolOutcome & { isError: boolean }> {
  if (input.restart === true && (input.command ?? "").trim() === "") {
    return {
      content:
        "Restarted. Each command runs in a fresh shell in the repository root, so nothing carries over between commands: chain steps with && in one command.",
      events: [],
      isError: false,
    };
  }
  const command = input.command ?? "";
  if (
    limits.allowedCommands &&
    limits.allowedCommands.length > 0 &&
    !isAllowed(command, limits.allowedCommands)
  ) {
    throw new ToolError(
      `this command is not allowed here: the operator limits commands to ${limits.allowedCommands.join(", ")} (security.allowed_commands), with arguments but without ; & | \` $( or a second line`,
    );
  }
  const result = await runForTool(
    runner,
    { dir, command, timeoutMs: limits.timeoutMs, outputCapBytes: limits.outputCapBytes, signal },
    "command",
  );
  const events = [
    {
      kind: "command" as const,
      // Cut by the toolbox, after it redacted secrets from the whole line.
      command,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
    },
  ];
  return { content: formatResult(result, limits), events, isError: result.timedOut };
}

// A second command could ride behind an allowed one: `npm test; curl …`, `npm test $(curl …)`.
const chaining = /[;&|`\n\r]|\$\(/;

function isAllowed(command: string, allowed: readonly string[]): boolean {
  const trimmed = command.trim();
  if (chaining.test(trimmed)) return false;
  return allowed.some((prefix) => trimmed === prefix.trim() || trimmed.startsWith(`${prefix.trim()} `));
}

function formatResult(result: CommandResult, limits: BashLimits): string {
  const parts: string[] = [];
  if (result.stdout !== "") parts.push(result.stdout.replace(/\n$/, ""));
  if (result.stderr !== "") parts.push(`[stderr]\n${result.stderr.replace(/\n$/, "")}`);
  const hint = "redirect the output to a file and search or view parts of it";
  let text = truncateMiddle(parts.join("\n"), limits.maxOutputChars, hint);
  if (result.truncated) text += `\n[output cut at ${limits.outputCapBytes} bytes per stream; ${hint}]`;
  const status = result.timedOut
    ? `the command ran past its limit of ${limits.timeoutMs < 1000 ? `${limits.timeoutMs} ms` : `${Math.round(limits.timeoutMs / 1000)} s`} and was stopped`
    : result.exitCode === null
      ? `ended by signal ${result.signal ?? "unknown"}`
      : `exit code ${result.exitCode}`;
  return `${text === "" ? "(no output)" : text}\n[${status}]`;
}
