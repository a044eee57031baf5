import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { insertDelivery } from "../../src/runs/intake.ts";
import { isPostgresUnderTest, openTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database?.drop();
});

describe(`migrations on ${isPostgresUnderTest() ? "PostgreSQL" : "PGlite"}`, () => {
  it("apply forwards from an empty database, then find nothing left to do", async () => {
    const first = await migrateToLatest(database.db, database.schema);
    expect(first.results?.length).toBeGreaterThan(0);
    expect(first.results?.every((r) => r.status === "Success")).toBe(true);
    const names = first.results?.map((r) => r.migrationName) ?? [];
    expect([...names].sort()).toEqual(names);

    const second = await migrateToLatest(database.db, database.schema);
    expect(second.results).toEqual([]);
  });

  it("creates the deliveries table with the delivery id as its key", async () => {
    const delivery = {
      id: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      source: "github" as const,
      event: "issues.labeled",
      installationId: 1,
      repository: "octo/app",
    };
    expect(await insertDelivery(database.db, delivery)).toBe(true);
    expect(await insertDelivery(database.db, delivery)).toBe(false);
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from deliveries`.execute(
      database.db,
    );
    expect(rows[0]?.count).toBe(1);
  });
});

describe("column types", () => {
  it("reads bigint back as a number on both databases", async () => {
    const { rows } = await sql<{ big: unknown }>`select 9007199254740991::bigint as big`.execute(database.db);
    expect(rows[0]?.big).toBe(Number.MAX_SAFE_INTEGER);
  });
});
