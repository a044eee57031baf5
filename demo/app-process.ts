/**
 * The app as `npm start` runs it (`bin/ai-dev.js start`: web and worker in one process), started as a
 * child process with the environment given, its log in a file. Ready once /healthz answers in app mode.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../src/cli/runtime.ts";
import { waitFor } from "./wait-for.ts";

export interface AppProcess {
  url: string;
  /** The app's process id (the benchmarks read its resident memory from /proc). */
  pid: number;
  /** The last lines of the app's log, to show when something went wrong. */
  logTail(lines?: number): string;
  /** SIGTERM, as an operator stops it; SIGKILL when it has not exited within the grace. */
  stop(): Promise<void>;
}

const bin = path.join(repoRoot, "bin", "ai-dev.js");

export async function startAppProcess(options: {
  env: NodeJS.ProcessEnv;
  port: number;
  /** Where the app runs: a directory of its own, so no `.env` of the checkout is read. */
  cwd: string;
  logFile: string;
  readyDeadlineMs?: number;
}): Promise<AppProcess> {
  const log = openSync(options.logFile, "a");
  // The Node running this (Node 22 under npm) runs the app too.
  const child: ChildProcess = spawn(process.execPath, [bin, "start"], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const logTail = (lines = 30) => {
    try {
      return readFileSync(options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.race([
      waitFor(
        async () => {
          const response = await fetch(`${url}/healthz`);
          const health = (await response.json()) as { mode?: string };
          return response.status === 200 && health.mode === "app" ? true : undefined;
        },
        options.readyDeadlineMs ?? 60_000,
        "the app's /healthz",
      ),
      exited.then((code) => {
        throw new Error(`the app exited with code ${code} before it was ready`);
      }),
    ]);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; its log ends with:\n${logTail()}`, { cause: error });
  }
  return { url, pid: child.pid ?? 0, logTail, stop };
}
