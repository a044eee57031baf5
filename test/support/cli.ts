import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "../../demo/free-port.ts";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(repoRoot, "bin", "ai-dev.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a command gets in tests: no database URL or config from the caller's shell. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _db, AI_DEV_CONFIG: _config, ...rest } = process.env;
  return { ...rest, NO_SMEE_SETUP: "true", LOG_LEVEL: "info", LOG_FORMAT: "json", ...extra };
}

/** Spawns the real `ai-dev` entry with this Node (the tests run on Node 22, like npm start). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
}

export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
  cwd = repoRoot,
): Promise<CliResult> {
  return await outputOf(spawnCli(args, env, cwd));
}

/** Waits for a spawned command to end and returns its exit code and everything it printed. */
export async function outputOf(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout, stderr };
}

export interface CliServer {
  child: ChildProcess;
  port: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** SIGTERM, and the wait for it to end. */
  stop(): Promise<void>;
}

/**
 * `ai-dev start …` on a port of its own. A free port stays free only until someone binds it, and the app
 * takes seconds to, so a test running beside it can take the port first; the app says `Listening on
 * <url>` once it holds the port, and one that ends before saying so is started again on another port.
 */
export async function startCliServer(
  args: string[],
  envFor: (port: number) => NodeJS.ProcessEnv,
  cwd = repoRoot,
): Promise<CliServer> {
  return await startOnFreePort((port) => spawnCli(args, envFor(port), cwd), `ai-dev ${args.join(" ")}`);
}

/**
 * What `startCliServer` does, for any way of starting the app (`npm start` too): `spawnOn(port)` starts
 * it on that port; `stop` signals the child, or with `processGroup` the group of a child spawned detached.
 */
export async function startOnFreePort(
  spawnOn: (port: number) => ChildProcess,
  what: string,
  { processGroup = false } = {},
): Promise<CliServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnOn(port);
    let output = "";
    const listening = `Listening on http://127.0.0.1:${port}`;
    const ended = new Promise<void>((resolve) => child.on("close", () => resolve()));
    const bound = new Promise<boolean>((resolve) => {
      const read = (d: unknown) => {
        output += String(d);
        if (output.includes(listening)) resolve(true);
      };
      child.stdout?.on("data", read);
      child.stderr?.on("data", read);
      void ended.then(() => resolve(false));
    });
    const kill = (signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A detached child leads its own process group: npm's shell and the app under it go together.
      if (processGroup && child.pid) process.kill(-child.pid, signal);
      else child.kill(signal);
    };
    const timer = setTimeout(() => kill("SIGKILL"), 110_000);
    const isBound = await bound;
    clearTimeout(timer);
    if (isBound) {
      return {
        child,
        port,
        output: () => output,
        stop: async () => {
          kill("SIGTERM");
          await ended;
        },
      };
    }
    if (attempt === 3) throw new Error(`${what} never listened; it printed:\n${output}`);
  }
}
