import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../demo/free-port.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { openDatabase } from "../../src/db/connect.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { lockFileOf, newApiToken, readInstanceLock } from "../../src/ops/instance-lock.ts";
import { runDetailSchema, runListSchema } from "../../src/ops/list-runs.ts";
import { type CliServer, cleanEnv, runCli, startCliServer } from "../support/cli.ts";
import { waitForOutput } from "../support/cli-processes.ts";
import { isPostgresUnderTest, openTestDatabase } from "../support/database.ts";
import { implementRunId, planRunId, seedRuns } from "./seed-runs.ts";

/** An embedded database under a fresh DATA_DIR with the two seeded runs, closed again. */
async function seededDataDir(): Promise<string> {
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "ai-dev-ops-")), "data");
  const database = await openDatabase({ kind: "pglite", dataDir });
  try {
    await migrateToLatest(database.db, undefined);
    await seedRuns(database.db);
  } finally {
    await database.close();
  }
  return dataDir;
}

describe("ai-dev runs while `ai-dev start` holds the embedded database", () => {
  let dataDir: string;
  let server: CliServer;
  let app: ChildProcess;
  let appPid: number;

  beforeAll(async () => {
    dataDir = await seededDataDir();
    // Setup mode (no APP_ID): the runs API is served in both modes.
    server = await startCliServer(["start"], (port) =>
      cleanEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" }),
    );
    app = server.child;
    await waitFor(
      async () => (readInstanceLock(dataDir)?.port === server.port ? true : undefined),
      30_000,
      "the app's lock file with its port",
    );
    appPid = app.pid as number;
  }, 120_000); // a cold start of the whole app (PGlite, migrations) on a shared two-core machine
  afterAll(async () => {
    await server?.stop();
    if (dataDir) rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("the app's lock names its pid and is readable by its user only", () => {
    expect(readInstanceLock(dataDir)).toMatchObject({ pid: appPid });
    expect(statSync(lockFileOf(dataDir)).mode & 0o777).toBe(0o600);
  });

  it("lists the runs by asking the app", async () => {
    const result = await runCli(["runs"], cleanEnv({ DATA_DIR: dataDir }));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+CREATED/);
    expect(lines[1]).toContain(planRunId);
    expect(lines[2]).toMatch(/implement-issue\s+succeeded\s+2\s+\$1\.23$/);
    // The app answered it: the request is in the app's own log.
    await waitForOutput(server, "/api/v1/runs?limit=20");
    expect(server.output()).not.toContain(readInstanceLock(dataDir)?.token);
  });

  it("prints JSON with --json and one run's steps with `runs show`", async () => {
    const listed = await runCli(["runs", "--json", "--limit", "1"], cleanEnv({ DATA_DIR: dataDir }));
    expect(listed.code).toBe(0);
    expect(runListSchema.parse(JSON.parse(listed.stdout)).runs.map((r) => r.id)).toEqual([planRunId]);

    const shown = await runCli(["runs", "show", implementRunId], cleanEnv({ DATA_DIR: dataDir }));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`run:        ${implementRunId}`);
    expect(shown.stdout).toMatch(/1\s+plan\s+main\s+ai_action\s+succeeded/);

    const json = await runCli(["runs", "show", planRunId, "--json"], cleanEnv({ DATA_DIR: dataDir }));
    expect(runDetailSchema.parse(JSON.parse(json.stdout)).steps.map((s) => s.state)).toEqual(["failed"]);
  });

  it("says plainly when a run does not exist", async () => {
    const result = await runCli(["runs", "show", "no-such-run"], cleanEnv({ DATA_DIR: dataDir }));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("there is no run no-such-run; `npx ai-dev runs` lists the recent ones\n");
  });

  it("a second app refuses the same DATA_DIR instead of opening it", async () => {
    const port = await freePort();
    const second = await runCli(
      ["start"],
      cleanEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" }),
    );
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`the ai-dev app (pid ${appPid}) already holds the embedded database`);
    expect(readInstanceLock(dataDir)).toMatchObject({ pid: appPid });
  });

  it("creates, lists and revokes API tokens by asking the app, and the token works on the API", async () => {
    const env = cleanEnv({ DATA_DIR: dataDir });
    const created = await runCli(["tokens", "create", "--name", "grafana", "--scope", "read"], env);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const token = created.stdout.split("\n")[0] ?? "";
    expect(token).toMatch(/^aidev_/);
    expect(created.stdout).toContain('The token "grafana" (read) is shown this once');
    const port = readInstanceLock(dataDir)?.port;
    const api = (t: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/runs`, { headers: { authorization: `Bearer ${t}` } });
    expect((await api(token)).status).toBe(200);

    const listed = await runCli(["tokens", "list", "--json"], env);
    const { tokens } = JSON.parse(listed.stdout) as {
      tokens: { id: string; name: string; prefix: string }[];
    };
    const record = tokens.find((t) => t.name === "grafana");
    expect(record?.prefix).toBe(token.slice(0, 12));
    expect(listed.stdout).not.toContain(token);

    const revoked = await runCli(["tokens", "revoke", record?.prefix ?? ""], env);
    expect(revoked.code).toBe(0);
    expect((await api(token)).status).toBe(401);
    const again = await runCli(["tokens", "revoke", record?.prefix ?? ""], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("there is no live token");
  });

  it("the app removes its lock at shutdown; then the command opens the database itself", async () => {
    const exited = new Promise((resolve) => app.on("close", resolve));
    app.kill("SIGTERM");
    await exited;
    expect(existsSync(lockFileOf(dataDir))).toBe(false);

    // A lock left by a process that is gone (a crash, a kill -9) does not stop the command.
    writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: appPid, port: 1, token: newApiToken() }));
    const result = await runCli(["runs"], cleanEnv({ DATA_DIR: dataDir }));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(planRunId);
    expect(result.stdout).toContain(implementRunId);
  });
});

describe("ai-dev runs when a live process holds the lock but does not answer", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await seededDataDir();
  });
  afterAll(() => {
    if (dataDir) rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("says which process holds the database and exits 1 without opening it", async () => {
    // This test's own process stands in for a hung app: alive, and nothing listens on the port.
    const port = await freePort();
    writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: process.pid, port, token: newApiToken() }));
    for (const args of [["runs"], ["runs", "show", implementRunId, "--json"]]) {
      const result = await runCli(args, cleanEnv({ DATA_DIR: dataDir }));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(
        `the ai-dev app (pid ${process.pid}) holds the embedded database at ${dataDir}; stop it or try again`,
      );
    }
  });
});

describe.skipIf(!isPostgresUnderTest())("ai-dev runs on PostgreSQL", () => {
  it("reads the runs from the database directly", async () => {
    const database = await openTestDatabase();
    try {
      await seedRuns(database.db);
      const env = cleanEnv({ DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: database.schema });
      const listed = await runCli(["runs", "--json"], env);
      expect(listed.code).toBe(0);
      expect(runListSchema.parse(JSON.parse(listed.stdout)).runs.map((r) => r.id)).toEqual([
        planRunId,
        implementRunId,
      ]);
      const shown = await runCli(["runs", "show", planRunId], env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain("error:      step draft-plan failed");
    } finally {
      await database.drop();
    }
  });
});
