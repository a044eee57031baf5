import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bwrapArgs } from "./bwrap-args.ts";

export type SandboxCheck = { ok: true; bwrap: string } | { ok: false; reason: string };

/** The bubblewrap binary on PATH (or the one named), as an absolute path: bwrap is spawned with an empty env. */
export function findBwrap(pathVariable = process.env.PATH ?? ""): string | null {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "bwrap");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * Starts `/bin/true` in exactly the sandbox commands get, so "can it start" is answered by the kernel
 * (user namespaces off, seccomp refusing unshare, no bwrap) and not guessed from sysctls.
 */
export async function checkSandbox(options: { bwrap?: string } = {}): Promise<SandboxCheck> {
  const bwrap = options.bwrap ?? findBwrap();
  if (!bwrap) return { ok: false, reason: "bwrap was not found on PATH" };
  const dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-sandbox-check-"));
  const args = bwrapArgs({ dir, network: "none", env: {}, command: "true" });
  return await new Promise<SandboxCheck>((resolve) => {
    const child = spawn(bwrap, args, { env: {}, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", (error) =>
      resolve({ ok: false, reason: `${bwrap} could not be started: ${error.message}` }),
    );
    child.on("close", (code) => {
      if (code === 0) resolve({ ok: true, bwrap });
      else resolve({ ok: false, reason: stderr.trim() || `${bwrap} exited with code ${code}` });
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

let cached: Promise<SandboxCheck> | undefined;

/** checkSandbox once per process; a failure is not kept, so installing bubblewrap needs no restart. */
export async function sandboxReady(): Promise<SandboxCheck> {
  cached ??= checkSandbox();
  const result = await cached;
  if (!result.ok) cached = undefined;
  return result;
}
