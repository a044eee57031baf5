import { createServer, type Server } from "node:http";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/schema.ts";
import { healthHandler } from "../../src/server/health.ts";
import { openTestDatabase } from "../support/database.ts";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(db: Kysely<Database>): Promise<string> {
  const handler = healthHandler({ db, databaseKind: "test", version: "9.9.9", mode: () => "app" });
  server = createServer((req, res) => {
    void handler(req, res).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("/healthz", () => {
  it("answers 200 with the version when the database answers", async () => {
    const database = await openTestDatabase({ migrate: false });
    try {
      const response = await fetch(`${await serve(database.db)}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: "ok",
        version: "9.9.9",
        database: { kind: "test", ok: true },
        mode: "app",
      });
    } finally {
      await database.drop();
    }
  });

  it("answers 503 and says why when the database is unreachable", async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused.
    const pool = new pg.Pool({
      connectionString: "postgres://nobody@127.0.0.1:1/none",
      connectionTimeoutMillis: 500,
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      const response = await fetch(`${await serve(db)}/healthz`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; database: { ok: boolean; error: string } };
      expect(body.status).toBe("unavailable");
      expect(body.database.ok).toBe(false);
      expect(body.database.error).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await db.destroy();
    }
  });

  it("leaves other paths to the next handler", async () => {
    const database = await openTestDatabase({ migrate: false });
    try {
      const response = await fetch(`${await serve(database.db)}/health`);
      expect(response.status).toBe(404);
    } finally {
      await database.drop();
    }
  });
});
