import type { CommandResult, CommandRunner } from "./command-runner.ts";
import { ToolError } from "./tool-error.ts";

/**
 * Runs one command line for a tool, with no network, through the injected runner (the sandbox). A
 * command that could not be run at all (the sandbox cannot start) becomes a ToolError the model reads,
 * saying what was not run: `what` is "command" for bash, "search" for the search tool.
 */
export async function runForTool(
  runner: CommandRunner,
  request: {
    dir: string;
    command: string;
    timeoutMs: number;
    outputCapBytes: number;
    signal?: AbortSignal | undefined;
  },
  what: "command" | "search",
): Promise<CommandResult> {
  try {
    return await runner({
      dir: request.dir,
      command: request.command,
      timeoutMs: request.timeoutMs,
      outputCapBytes: request.outputCapBytes,
      network: "none",
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolError(`the ${what} was not run: ${reason}`, { cause: error });
  }
}
