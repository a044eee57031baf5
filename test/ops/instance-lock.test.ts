import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserFacingError } from "../../src/errors.ts";
import { claimInstanceLock, lockFileOf } from "../../src/ops/instance-lock.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-lock-"));
  dirs.push(dir);
  return dir;
}

describe("the embedded database's instance lock", () => {
  it("writes a lock only its owner can read, and removes it on release", () => {
    const dir = dataDir();
    const held = claimInstanceLock(dir);
    expect(statSync(lockFileOf(dir)).mode & 0o777).toBe(0o600);
    held.release();
    expect(() => statSync(lockFileOf(dir))).toThrow();
  });

  it("refuses DATA_DIR while another live process holds it", async () => {
    const dir = dataDir();
    const other = spawn("sleep", ["30"]);
    try {
      writeFileSync(
        lockFileOf(dir),
        `${JSON.stringify({ pid: other.pid, port: 3000, token: "y".repeat(43) })}\n`,
      );
      expect(() => claimInstanceLock(dir)).toThrow(UserFacingError);
      expect(() => claimInstanceLock(dir)).toThrow(`pid ${other.pid}) already holds the embedded database`);
    } finally {
      const exited = new Promise((resolve) => other.on("close", resolve));
      other.kill("SIGKILL");
      await exited;
    }
    // Its process gone, the lock is stale and taken over.
    claimInstanceLock(dir).release();
  });

  it("takes over a lock whose process is gone", () => {
    const dir = dataDir();
    // PIDs are below 2^22 on Linux: this one cannot be alive.
    writeFileSync(
      lockFileOf(dir),
      `${JSON.stringify({ pid: 2 ** 22 + 7, port: 3000, token: "x".repeat(43) })}\n`,
    );
    const held = claimInstanceLock(dir);
    expect(held.token).not.toBe("x".repeat(43));
    held.release();
  });
});
