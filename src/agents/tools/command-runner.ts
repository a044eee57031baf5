/**
 * How the agent's tools run a command: the sandbox's interface (src/sandbox/run-sandboxed.ts), injected
 * so the tools never start a process themselves and tests can pass a runner of their own.
 */
export interface CommandRequest {
  /** The worktree: the command's working directory and the only place it may write. */
  dir: string;
  /** A shell command line, run by `/bin/sh -c`. */
  command: string;
  timeoutMs: number;
  /** stdout and stderr are each cut at this many bytes; `truncated` then says so. */
  outputCapBytes: number;
  /** The agent's commands never reach a network; only the setup command may reach package registries. */
  network: "none";
  signal?: AbortSignal;
}

export interface CommandResult {
  /** Null when the process was ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

/**
 * Runs one command and resolves with its outcome. It rejects (with a message written for the model and
 * the operator) when the command could not be run at all, for example when the sandbox cannot start:
 * a command is never run outside it instead.
 */
export type CommandRunner = (request: CommandRequest) => Promise<CommandResult>;
