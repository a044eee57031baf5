import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSandboxed } from "../../src/sandbox/run-sandboxed.ts";
import { CommandNotAllowedError, SandboxUnavailableError } from "../../src/sandbox/sandbox-errors.ts";

const fakeSecret = "sk-ant-api03-FAKEFAKEFAKE-sandbox-test-secret-value-0123456789";
let root: string;
let worktree: string;
let outside: string;
let server: Server;
let port: number;
let requestsSeen = 0;

const limits = { timeoutMs: 20_000, outputCapBytes: 100_000, network: "none" as const };

beforeAll(async () => {
  process.env.AI_DEV_SANDBOX_TEST_SECRET = fakeSecret;
  root = mkdtempSync(path.join(os.tmpdir(), "ai-dev-sandbox-test-"));
  worktree = mkdtempSync(path.join(root, "worktree-"));
  outside = mkdtempSync(path.join(root, "outside-"));
  server = createServer((_req, res) => {
    requestsSeen += 1;
    res.end("reached");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
  delete process.env.AI_DEV_SANDBOX_TEST_SECRET;
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

/** Processes on the host whose command line holds `marker` (the sandbox's pid namespace is visible here). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(marker))
        found.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return found;
}

describe("runSandboxed", () => {
  it("shows no variable of the app's process in env, /proc/self/environ or /proc/1/environ", async () => {
    const result = await runSandboxed({
      ...limits,
      dir: worktree,
      command: "env; echo ---; cat /proc/self/environ; echo ---; cat /proc/1/environ; echo; echo done",
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("done");
    expect(result.stdout).toContain("HOME=/tmp");
    expect(result.stdout).not.toContain(fakeSecret);
    expect(result.stdout).not.toContain("AI_DEV_SANDBOX_TEST_SECRET");
    expect(result.stderr).not.toContain(fakeSecret);
  });

  it("passes only the variables it is given", async () => {
    const result = await runSandboxed({ ...limits, dir: worktree, command: "echo $CI", env: { CI: "true" } });
    expect(result.stdout.trim()).toBe("true");
  });

  it("reaches no server on the host's loopback, neither with curl nor a raw socket", async () => {
    requestsSeen = 0;
    const result = await runSandboxed({
      ...limits,
      dir: worktree,
      command: `curl -sS -m 5 http://127.0.0.1:${port}/; echo "curl=$?"; bash -c 'echo hi > /dev/tcp/127.0.0.1/${port}'; echo "socket=$?"`,
    });
    expect(result.stdout).toMatch(/curl=[1-9]/);
    expect(result.stdout).toMatch(/socket=[1-9]/);
    expect(result.stdout).not.toContain("reached");
    expect(requestsSeen).toBe(0);
  });

  it("reaches the network in registries mode, still without the app's secrets", async () => {
    requestsSeen = 0;
    const result = await runSandboxed({
      ...limits,
      network: "registries",
      dir: worktree,
      command: `curl -sS -m 5 http://127.0.0.1:${port}/; echo; cat /proc/1/environ; env`,
    });
    expect(result.stdout).toContain("reached");
    expect(requestsSeen).toBe(1);
    expect(result.stdout).not.toContain(fakeSecret);
  });

  it("writes in the worktree and nowhere else", async () => {
    const escaped = path.join(outside, "escaped.txt");
    const result = await runSandboxed({
      ...limits,
      dir: worktree,
      command: `echo ok > inside.txt; echo x > ${escaped}; echo "outside=$?"; touch /etc/ai-dev-escape; echo "etc=$?"; echo t > /tmp/private.txt; echo "tmp=$?"`,
    });
    expect(readFileSync(path.join(worktree, "inside.txt"), "utf8")).toBe("ok\n");
    expect(result.stdout).toMatch(/outside=[1-9]/);
    expect(result.stdout).toMatch(/etc=[1-9]/);
    expect(result.stdout).toContain("tmp=0");
    expect(existsSync(escaped)).toBe(false);
    expect(existsSync("/etc/ai-dev-escape")).toBe(false);
    expect(existsSync("/tmp/private.txt")).toBe(false);
  });

  it("sees none of the host's files outside the system directories and the worktree", async () => {
    const hostFile = path.join(outside, "app-secret.txt");
    writeFileSync(hostFile, fakeSecret);
    const result = await runSandboxed({
      ...limits,
      dir: worktree,
      command: `cat ${hostFile}; echo "read=$?"; ls ${process.cwd()} >/dev/null 2>&1; echo "app=$?"`,
    });
    expect(result.stdout).toMatch(/read=[1-9]/);
    expect(result.stdout).toMatch(/app=[1-9]/);
    expect(result.stdout).not.toContain(fakeSecret);
  });

  it("kills a command and its children at the time limit, and returns once they are gone", async () => {
    const result = await runSandboxed({
      ...limits,
      timeoutMs: 1_000,
      dir: worktree,
      command: "sleep 1001 & sleep 1002; echo never",
    });
    expect(result.timedOut).toBe(true);
    expect(result.stdout).not.toContain("never");
    expect(result.durationMs).toBeLessThan(10_000);
    expect(processesWith("1001")).toEqual([]);
    expect(processesWith("1002")).toEqual([]);
  });

  it("caps the output and says so", async () => {
    const result = await runSandboxed({
      ...limits,
      outputCapBytes: 1_000,
      dir: worktree,
      command: "head -c 1000000 /dev/zero | tr '\\0' a",
    });
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(result.stdout.startsWith("a".repeat(1_000))).toBe(true);
    expect(result.stdout).not.toContain("a".repeat(1_001));
    expect(result.stdout).toContain("[output truncated: only the first 1000 bytes are shown]");
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = runSandboxed({
      ...limits,
      dir: worktree,
      command: "echo started; sleep 1003",
      signal: controller.signal,
    });
    const deadline = Date.now() + 10_000;
    while (processesWith("1003").length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const result = await pending;
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(processesWith("1003")).toEqual([]);
  });

  it("refuses every command when bubblewrap cannot start, and runs nothing", async () => {
    const marker = path.join(worktree, "ran-unsandboxed");
    await expect(
      runSandboxed({
        ...limits,
        dir: worktree,
        command: `touch ${marker}`,
        bwrap: path.join(root, "no-such-bwrap"),
      }),
    ).rejects.toThrow(SandboxUnavailableError);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a command security.allowed_commands does not allow, and runs an allowed one", async () => {
    writeFileSync(path.join(worktree, "package.json"), "{}");
    const allowedCommands = ["echo allowed"];
    await expect(
      runSandboxed({ ...limits, dir: worktree, command: "echo allowed; touch chained", allowedCommands }),
    ).rejects.toThrow(CommandNotAllowedError);
    expect(existsSync(path.join(worktree, "chained"))).toBe(false);
    const ok = await runSandboxed({
      ...limits,
      dir: worktree,
      command: "echo allowed  twice",
      allowedCommands,
    });
    expect(ok.stdout).toBe("allowed twice\n");
  });
});
