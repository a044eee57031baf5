import type { ChildProcess } from "node:child_process";
import { waitFor } from "../../demo/wait-for.ts";
import { repoRoot, spawnCli } from "./cli.ts";

export interface CliProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr together (JSON log lines). */
  output(): string;
}

/**
 * Waits until a process has written `text`. A process logs after the state it reports is visible (a
 * row committed, a port bound), and its output reaches the pipe later still.
 */
export async function waitForOutput(
  process: Pick<CliProcess, "output">,
  text: string,
  deadlineMs = 30_000,
  what = `the output ${text}`,
): Promise<void> {
  await waitFor(async () => (process.output().includes(text) ? true : undefined), deadlineMs, what);
}

/** Sends SIGKILL (a crash: no shutdown code runs) and resolves once the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on("close", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** The `ai-dev` processes one test started, with their output; `killAll` in afterEach ends the ones left. */
export class CliProcesses {
  readonly #started: ChildProcess[] = [];

  start(args: string[], env: NodeJS.ProcessEnv): CliProcess {
    const child = spawnCli(args, env, repoRoot);
    let output = "";
    const collect = (data: unknown) => {
      output += String(data);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.#started.push(child);
    return { child, output: () => output };
  }

  async killAll(): Promise<void> {
    for (const child of this.#started.splice(0)) await killHard(child);
  }
}
