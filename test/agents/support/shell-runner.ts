import { spawn } from "node:child_process";
import type {
  CommandRequest,
  CommandResult,
  CommandRunner,
} from "../../../src/agents/tools/command-runner.ts";

/**
 * Runs the command for real with `/bin/sh -c` in the worktree, with a clean environment, a time limit
 * and an output cap: the shape of the sandbox's runner without bubblewrap, which these tests do not
 * test (its own tests do, and it may be absent on a developer's machine). What the tools do around the
 * runner — quoting, output, exit codes, refusals — is then tested against a real process.
 */
export const shellRunner: CommandRunner = (request: CommandRequest) =>
  new Promise<CommandResult>((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/bin/sh", ["-c", request.command], {
      cwd: request.dir,
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: request.dir, LANG: "C.UTF-8" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let truncated = false;
    const collect = (which: "stdout" | "stderr") => (chunk: Buffer) => {
      const current = which === "stdout" ? stdout : stderr;
      const room = request.outputCapBytes - Buffer.byteLength(current);
      if (room <= 0) {
        truncated = true;
        return;
      }
      const text = chunk.subarray(0, room).toString("utf8");
      if (chunk.length > room) truncated = true;
      if (which === "stdout") stdout += text;
      else stderr += text;
    };
    child.stdout.on("data", collect("stdout"));
    child.stderr.on("data", collect("stderr"));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, request.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout,
        stderr,
        timedOut,
        truncated,
        durationMs: performance.now() - started,
      });
    });
  });

/** A runner that records each request and answers as the sandbox does when it cannot start. */
export function refusingRunner(message: string): CommandRunner & { requests: CommandRequest[] } {
  const requests: CommandRequest[] = [];
  const runner = async (request: CommandRequest): Promise<CommandResult> => {
    requests.push(request);
    throw new Error(message);
  };
  return Object.assign(runner, { requests });
}
