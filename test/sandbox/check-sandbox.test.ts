import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkSandbox, findBwrap } from "../../src/sandbox/check-sandbox.ts";
import { runSandboxed } from "../../src/sandbox/run-sandboxed.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-check-sandbox-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkSandbox", () => {
  it("starts the real bubblewrap here", async () => {
    expect(await checkSandbox()).toEqual({ ok: true, bwrap: findBwrap() });
  });

  it("says why the sandbox cannot start, in bubblewrap's words, and runSandboxed refuses with them", async () => {
    // A bwrap that fails as it does where user namespaces are off.
    const fake = path.join(dir, "bwrap");
    writeFileSync(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
    chmodSync(fake, 0o755);
    expect(await checkSandbox({ bwrap: fake })).toEqual({
      ok: false,
      reason: "bwrap: No permissions to create new namespace",
    });
    await expect(
      runSandboxed({
        dir,
        command: "true",
        timeoutMs: 5_000,
        outputCapBytes: 100,
        network: "none",
        bwrap: fake,
      }),
    ).rejects.toThrow(
      /sandbox cannot start \(bwrap: No permissions to create new namespace\).*never runs a command outside/,
    );
  });

  it("reports a missing bwrap", async () => {
    expect(findBwrap(path.join(dir, "empty"))).toBeNull();
  });
});
