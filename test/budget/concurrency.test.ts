import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBudgets } from "../../src/budget/caps.ts";
import { readBudgets } from "../../src/budget/read.ts";
import { reserveBudget } from "../../src/budget/reserve.ts";
import { quoteIdent } from "../../src/db/connect.ts";
import type { Database } from "../../src/db/schema.ts";
import { isPostgresUnderTest, openTestDatabase, type TestDatabase } from "../support/database.ts";

let test: TestDatabase;
const now = new Date("2026-11-27T10:00:00Z");
const expiresAt = new Date("2026-11-27T10:15:00Z");
const month = "repo:acme/app:2026-11";
const dollar = 1_000_000;

beforeAll(async () => {
  test = await openTestDatabase();
});
afterAll(async () => {
  await test.drop();
});

/** 50 runs, each with a $5 cap of its own, all against one $10 repository month. */
async function openFiftyRuns(prefix: string): Promise<string[]> {
  const runs = Array.from({ length: 50 }, (_, i) => `run:${prefix}-${i}`);
  await openBudgets(test.db, [
    { scope: `${month}:${prefix}`, capMicros: 10 * dollar, capTokens: null, followsConfig: true },
    ...runs.map((scope) => ({ scope, capMicros: 5 * dollar, capTokens: 100_000, followsConfig: false })),
  ]);
  return runs;
}

/** Every run asks for $1 at once, against its own cap and the shared month; `dbOf` gives run i its connection. */
function reserveADollarEach(runs: string[], prefix: string, dbOf: (i: number) => Kysely<Database>) {
  return Promise.all(
    runs.map((run, i) =>
      reserveBudget(dbOf(i), {
        id: `${run}-call`,
        scopes: [run, `${month}:${prefix}`],
        micros: dollar,
        tokens: 1000,
        runId: run,
        now,
        expiresAt,
      }),
    ),
  );
}

describe("reservations under concurrency", () => {
  it.skipIf(!isPostgresUnderTest())(
    "lets exactly 10 of 50 concurrent $1 reservations through a $10 cap, each on its own PostgreSQL connection",
    async () => {
      const runs = await openFiftyRuns("pg");
      const url = process.env.DATABASE_URL as string;
      // One Kysely per connection: a pool of one, connected before the race starts so all 50 statements
      // really are in flight together.
      const connections = runs.map(
        () =>
          new Kysely<Database>({
            dialect: new PostgresDialect({
              pool: new pg.Pool({
                connectionString: url,
                max: 1,
                options: `-c search_path=${quoteIdent(test.schema as string)}`,
              }),
            }),
          }),
      );
      try {
        await Promise.all(
          connections.map((db) => db.selectFrom("budgets").select("scope").limit(1).execute()),
        );
        const outcomes = await reserveADollarEach(runs, "pg", (i) => connections[i] as Kysely<Database>);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
        expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.refusal.scope === `${month}:pg`)).toBe(
          true,
        );
        const state = await readBudgets(test.db, [`${month}:pg`]);
        expect(state.get(`${month}:pg`)).toMatchObject({
          reservedMicros: 10 * dollar,
          capMicros: 10 * dollar,
        });
        const held = await test.db
          .selectFrom("budget_reservations")
          .select("id")
          .where("id", "like", "run:pg-%")
          .execute();
        expect(held).toHaveLength(10);
      } finally {
        await Promise.all(connections.map((db) => db.destroy()));
      }
    },
  );

  it("lets exactly 10 of 50 concurrent $1 reservations through a $10 cap on one connection (PGlite or PostgreSQL pool)", async () => {
    const runs = await openFiftyRuns("one");
    const outcomes = await reserveADollarEach(runs, "one", () => test.db);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
    expect((await readBudgets(test.db, [`${month}:one`])).get(`${month}:one`)?.reservedMicros).toBe(
      10 * dollar,
    );
  });

  it("refuses, by constraint, a direct write that would hold more than the cap", async () => {
    await openBudgets(test.db, [
      { scope: "run:constraint", capMicros: 10 * dollar, capTokens: 5, followsConfig: false },
    ]);
    await expect(
      test.db
        .updateTable("budgets")
        .set({ reserved_micros: 11 * dollar })
        .where("scope", "=", "run:constraint")
        .execute(),
    ).rejects.toThrow(/budgets_cost_within_cap/);
    await expect(
      test.db.updateTable("budgets").set({ spent_tokens: 6 }).where("scope", "=", "run:constraint").execute(),
    ).rejects.toThrow(/budgets_tokens_within_cap/);
  });
});

if (!isPostgresUnderTest()) {
  // Said out loud so a green PGlite run is not mistaken for the cross-connection proof.
  console.info("concurrency.test.ts: the 50-connection test needs PostgreSQL: set DATABASE_URL to run it");
}
