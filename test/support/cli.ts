import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

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
