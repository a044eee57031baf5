import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../demo/free-port.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { cleanEnv, repoRoot } from "../support/cli.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The environment of a newcomer's first `npm start`: no app registered yet, no database URL. */
function newcomerEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  const {
    APP_ID: _id,
    PRIVATE_KEY: _key,
    PRIVATE_KEY_PATH: _keyPath,
    WEBHOOK_SECRET: _secret,
    ...rest
  } = cleanEnv();
  return { ...rest, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir };
}

describe("the README's start command", () => {
  it("`npm start` on a fresh checkout serves /healthz in setup mode", async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), "ai-dev-npm-start-"));
    // Exactly what the README says, through npm: npm does not put the package's own bin on PATH, so a
    // script that names `ai-dev` fails there while `node bin/ai-dev.js` works.
    const child = spawn("npm", ["start"], {
      cwd: repoRoot,
      env: newcomerEnv(port, dataDir),
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so stopping it stops npm's shell and the app under it.
      detached: true,
    });
    let output = "";
    child.stdout?.on("data", (d) => {
      output += String(d);
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    cleanups.push(() => {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    });

    const health = await Promise.race([
      waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/healthz`);
          return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
        },
        90_000,
        "/healthz from npm start",
      ),
      exited.then((code) => {
        throw new Error(`npm start exited with ${code} before /healthz answered:\n${output}`);
      }),
    ]);

    expect(health).toMatchObject({ status: "ok", mode: "setup", database: { ok: true, kind: "pglite" } });
    expect(output).not.toContain("not found");
  }, 120_000);
});
