/**
 * The overhead of the budget around one model call, as a ratio to one plain `SELECT 1` round trip on
 * the same connection: the check itself (the reservation before the call, one statement) and, in its
 * own rows, the settlement after it (the ledger write, one statement). Both are durable writes, so
 * each pays a WAL flush that a SELECT does not. PGlite always; the
 * PostgreSQL server of DATABASE_URL when it is set (in a private schema, dropped afterwards).
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { openBudgets } from "../../src/budget/caps.ts";
import { reserveBudget } from "../../src/budget/reserve.ts";
import { settleModelCall } from "../../src/budget/settle.ts";
import type { Database } from "../../src/db/schema.ts";
import { openTestDatabase, type TestDatabase } from "../../test/support/database.ts";
import type { BenchFigures } from "../run.ts";
import { figureSuffix } from "../support/bench-world.ts";

export const name = "budget-check";

const iterations = 400;
const warmup = 50;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function measure(db: Kysely<Database>): Promise<Timings> {
  // One connection for both measures, so the ratio compares like with like.
  return db.connection().execute(async (conn) => {
    const scopes = [`run:bench-${randomUUID()}`, `repo:bench/app:${randomUUID()}`];
    await openBudgets(conn, [
      { scope: scopes[0] as string, capMicros: 1e12, capTokens: 1e12, followsConfig: false },
      { scope: scopes[1] as string, capMicros: 1e12, capTokens: null, followsConfig: true },
    ]);
    const select: number[] = [];
    const check: number[] = [];
    const settle: number[] = [];
    const now = new Date();
    for (let i = 0; i < warmup + iterations; i += 1) {
      let t = performance.now();
      await sql`select 1`.execute(conn);
      const s = performance.now() - t;
      t = performance.now();
      const outcome = await reserveBudget(conn, {
        id: `bench-${i}-${scopes[0]}`,
        scopes,
        micros: 50_000,
        tokens: 5_000,
        runId: "bench",
        now,
        expiresAt: new Date(now.getTime() + 600_000),
      });
      if (!outcome.ok) throw new Error("bench reservation refused");
      const reserved = performance.now() - t;
      t = performance.now();
      await settleModelCall(conn, outcome.reservation, {
        idempotencyKey: `bench-${i}-${scopes[0]}`,
        runId: "bench",
        step: "bench",
        model: "claude-sonnet-5",
        requestedModel: null,
        requestId: null,
        inputTokens: 100,
        outputTokens: 50,
        cacheWrite5mTokens: 0,
        cacheWrite1hTokens: 0,
        cacheReadTokens: 4000,
        costMicros: 1_500,
        createdAt: now,
      });
      const settled = performance.now() - t;
      if (i >= warmup) {
        select.push(s);
        check.push(reserved);
        settle.push(settled);
      }
    }
    for (const list of [select, check, settle]) list.sort((a, b) => a - b);
    return {
      selectMedianMs: quantile(select, 0.5),
      selectP99Ms: quantile(select, 0.99),
      checkMedianMs: quantile(check, 0.5),
      checkP99Ms: quantile(check, 0.99),
      settleMedianMs: quantile(settle, 0.5),
      settleP99Ms: quantile(settle, 0.99),
    };
  });
}

interface Timings {
  selectMedianMs: number;
  selectP99Ms: number;
  checkMedianMs: number;
  checkP99Ms: number;
  settleMedianMs: number;
  settleP99Ms: number;
}

async function onTarget(kind: "pglite" | "postgres"): Promise<Timings | null> {
  const url = process.env.DATABASE_URL;
  if (kind === "postgres" && !url) return null;
  // The test helper gives a migrated PGlite, or a private schema on the server; it reads DATABASE_URL.
  const saved = process.env.DATABASE_URL;
  if (kind === "pglite") delete process.env.DATABASE_URL;
  let database: TestDatabase;
  try {
    database = await openTestDatabase();
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved;
  }
  try {
    return await measure(database.db);
  } finally {
    await database.drop();
  }
}

export async function run(): Promise<BenchFigures> {
  const rows: BenchFigures["rows"] = [];
  const figures: BenchFigures["figures"] = {};
  const ratios: number[] = [];
  for (const kind of ["pglite", "postgres"] as const) {
    const r = await onTarget(kind);
    if (!r) {
      rows.push({
        label: `${kind}: budget check`,
        value: "skipped (set DATABASE_URL to measure PostgreSQL)",
      });
      figures[`budget_check_${kind}_p99_round_trips`] = null;
      continue;
    }
    const median = r.checkMedianMs / r.selectMedianMs;
    const p99 = r.checkP99Ms / r.selectMedianMs;
    ratios.push(p99);
    figures[`budget_check_${kind}_median_round_trips`] = round(median);
    figures[`budget_check_${kind}_p99_round_trips`] = round(p99);
    figures[`budget_check_${kind}_median_ms`] = round(r.checkMedianMs, 3);
    figures[`budget_check_${kind}_p99_ms`] = round(r.checkP99Ms, 3);
    figures[`select1_${kind}_median_ms`] = round(r.selectMedianMs, 3);
    rows.push({
      label: `${kind}: SELECT 1 median / p99`,
      value: `${r.selectMedianMs.toFixed(3)} / ${r.selectP99Ms.toFixed(3)} ms`,
    });
    // The same percentile of both, for a machine whose tail is noisy for every statement alike.
    figures[`budget_check_p99_vs_select1_p99${figureSuffix(kind)}`] = round(r.checkP99Ms / r.selectP99Ms);
    figures[`budget_settle_${kind}_p99_round_trips`] = round(r.settleP99Ms / r.selectMedianMs);
    rows.push({
      label: `${kind}: check (reserve) median`,
      value: `${r.checkMedianMs.toFixed(3)} ms = ${median.toFixed(2)} round trips`,
    });
    rows.push({
      label: `${kind}: check (reserve) p99`,
      value: `${r.checkP99Ms.toFixed(3)} ms = ${p99.toFixed(2)} round trips (target < 3); ${(r.checkP99Ms / r.selectP99Ms).toFixed(2)}x a SELECT 1 at p99`,
    });
    rows.push({
      label: `${kind}: settle median / p99`,
      value: `${r.settleMedianMs.toFixed(3)} / ${r.settleP99Ms.toFixed(3)} ms = ${(r.settleMedianMs / r.selectMedianMs).toFixed(2)} / ${(r.settleP99Ms / r.selectMedianMs).toFixed(2)} round trips`,
    });
  }
  // The headline figure is the worst of the measured targets.
  figures.budget_check_p99_round_trips = ratios.length > 0 ? round(Math.max(...ratios)) : null;
  return { figures, rows };
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}
