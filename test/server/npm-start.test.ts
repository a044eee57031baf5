import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, repoRoot, startOnFreePort } from "../support/cli.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
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
    const dataDir = mkdtempSync(path.join(tmpdir(), "ai-dev-npm-start-"));
    // Exactly what the README says, through npm: npm does not put the package's own bin on PATH, so a
    // script that names `ai-dev` fails there while `node bin/ai-dev.js` works.
    const server = await startOnFreePort(
      (port) =>
        spawn("npm", ["start"], {
          cwd: repoRoot,
          env: newcomerEnv(port, dataDir),
          stdio: ["ignore", "pipe", "pipe"],
          // Its own process group, so stopping it stops npm's shell and the app under it.
          detached: true,
        }),
      "npm start",
      { processGroup: true },
    );
    cleanups.push(async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", mode: "setup", database: { ok: true, kind: "pglite" } });
    expect(server.output()).not.toContain("not found");
  }, 120_000);
});
