import { loadAppConfig } from "../config/load.ts";
import type { SandboxNetwork } from "../sandbox/bwrap-args.ts";
import { sandboxLimits } from "../sandbox/limits.ts";
import { runSandboxed } from "../sandbox/run-sandboxed.ts";

export interface SandboxCommandOptions {
  dir: string;
  network: SandboxNetwork;
}

/**
 * `ai-dev sandbox --dir DIR -- CMD…`: one command exactly as an agent's run executes it (same sandbox,
 * environment, limits and security.allowed_commands), so an operator can see what it reads and reaches.
 * The words after `--` are joined with spaces and run by /bin/sh -c, as ssh does; quote them to keep
 * shell syntax for the sandbox (`-- 'env | sort'`).
 */
export async function sandboxCommand(words: string[], options: SandboxCommandOptions): Promise<void> {
  const { config } = loadAppConfig();
  const setup = options.network === "registries";
  const result = await runSandboxed({
    dir: options.dir,
    command: words.join(" "),
    network: options.network,
    timeoutMs: setup ? sandboxLimits.setupTimeoutMs : sandboxLimits.commandTimeoutMs,
    outputCapBytes: sandboxLimits.outputCapBytes,
    allowedCommands: config.security.allowed_commands,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  const how = result.timedOut
    ? `timed out after ${setup ? sandboxLimits.setupTimeoutMs : sandboxLimits.commandTimeoutMs} ms`
    : result.exitCode !== null
      ? `exit code ${result.exitCode}`
      : `killed by ${result.signal}`;
  process.stderr.write(
    `[sandbox] ${how} in ${result.durationMs} ms${result.truncated ? ", output truncated" : ""}\n`,
  );
  // As GNU timeout: 124 for a command stopped at its time limit.
  process.exitCode = result.timedOut ? 124 : (result.exitCode ?? 1);
}
