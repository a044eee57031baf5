import { spawn } from "node:child_process";
import { realpathSync, statSync } from "node:fs";
import { commandDecision } from "./allowed-commands.ts";
import { appSecretPaths, hiddenAppSecrets } from "./app-secret-paths.ts";
import { bwrapArgs, type SandboxNetwork } from "./bwrap-args.ts";
import { checkSandbox, type SandboxCheck, sandboxReady } from "./check-sandbox.ts";
import { blockedPathsIn } from "./masked-paths.ts";
import { CommandNotAllowedError, SandboxUnavailableError } from "./sandbox-errors.ts";

export interface SandboxedCommand {
  /** The worktree: the only writable place, and the working directory. */
  dir: string;
  /** One command line, run by `/bin/sh -c` inside. */
  command: string;
  timeoutMs: number;
  /** Per stream: stdout and stderr each keep at most this many bytes, then a note. */
  outputCapBytes: number;
  /** `none` for every agent command; `registries` only for the repository's `setup` command. */
  network: SandboxNetwork;
  /** Variables for the command; the sandbox starts from an empty environment plus PATH, HOME, LANG. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** `security.allowed_commands`: when set, only matching command lines run (see allowed-commands.ts). */
  allowedCommands?: readonly string[] | undefined;
  /**
   * `security.blocked_paths` and the repository's, on top of the defaults (blocked-paths.ts), which
   * always apply: every blocked path in the worktree is covered for the command (masked-paths.ts).
   */
  blockedPaths?: readonly string[] | undefined;
  /** Another bubblewrap binary (tests use a missing one to see the refusal). */
  bwrap?: string;
}

export interface SandboxedResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The caller's signal stopped it. */
  aborted: boolean;
  truncated: boolean;
  durationMs: number;
}

class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  add(chunk: Buffer): void {
    const room = this.cap - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }
  text(): string {
    const body = Buffer.concat(this.chunks).toString("utf8");
    return this.truncated ? `${body}\n[output truncated: only the first ${this.cap} bytes are shown]` : body;
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // bwrap leads its own process group (detached); the command inside dies with it (--die-with-parent,
    // and the pid namespace ends with its pid 1).
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Runs one command in bubblewrap (see bwrap-args.ts for what it can see and reach). bwrap itself is
 * spawned with an empty environment: under --clearenv alone its own pid 1 would still hold the app's
 * variables in /proc/1/environ. When the sandbox cannot start, the command is refused with
 * SandboxUnavailableError; it never runs unsandboxed.
 *
 * The blocked paths in the worktree are covered, `.git` among them, and no git directory is shown:
 * a worktree's `.git` file points into the repository's mirror, whose history holds every blocked file
 * ever committed (`git show HEAD~3:.env`, `git log -p --all`), so a command given the mirror could read
 * what the editor refuses. Commands therefore run without a repository (`git grep --no-index`, the
 * search tool, still works); the app itself stages, checks and commits outside the sandbox.
 */
export async function runSandboxed(input: SandboxedCommand): Promise<SandboxedResult> {
  const decision = commandDecision(input.command, input.allowedCommands);
  if (!decision.allowed) throw new CommandNotAllowedError(decision.reason);
  const check: SandboxCheck = input.bwrap ? await checkSandbox({ bwrap: input.bwrap }) : await sandboxReady();
  if (!check.ok) throw new SandboxUnavailableError(check.reason);
  let dir: string;
  try {
    dir = realpathSync(input.dir);
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
  } catch (error) {
    throw new Error(`the sandbox directory ${input.dir} does not exist or is not a directory`, {
      cause: error,
    });
  }
  const args = bwrapArgs({
    dir,
    command: input.command,
    network: input.network,
    env: input.env ?? {},
    masked: blockedPathsIn(dir, input.blockedPaths),
    hidden: hiddenAppSecrets(appSecretPaths()),
  });

  const started = performance.now();
  const stdout = new CappedOutput(input.outputCapBytes);
  const stderr = new CappedOutput(input.outputCapBytes);
  let timedOut = false;
  let aborted = false;
  if (input.signal?.aborted) {
    return {
      exitCode: null,
      signal: null,
      stdout: "",
      stderr: "",
      timedOut,
      aborted: true,
      truncated: false,
      durationMs: 0,
    };
  }
  const child = spawn(check.bwrap, args, { env: {}, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (chunk: Buffer) => stdout.add(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.add(chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, input.timeoutMs);
  const onAbort = () => {
    aborted = true;
    killGroup(child.pid);
  };
  input.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    // "close" comes once every process holding the output pipes has ended, so a killed command's
    // children are gone too when this returns.
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, sig) => resolve([code, sig]));
      },
    );
    return {
      exitCode,
      signal,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut,
      aborted,
      truncated: stdout.truncated || stderr.truncated,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener("abort", onAbort);
  }
}
