import type { IncomingMessage, ServerResponse } from "node:http";
import { type Kysely, sql } from "kysely";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Database } from "../db/schema.ts";
import type { RunQueue } from "../queue/run-queue.ts";

export const metricsPath = "/metrics";

/** Step durations in seconds: from a plugin call's fraction of a second to a 45-minute agent step. */
const stepBuckets = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 2700];

/**
 * The app's metrics, read from the database at every scrape. The work happens in any number of worker
 * processes while one web process answers /metrics, so counting in-process would miss the workers'
 * runs and model calls: the tables are the one place that sees them all, and they only grow.
 */
export function createMetrics(deps: { db: Kysely<Database>; queue: Pick<RunQueue, "depths"> }): Registry {
  const { db } = deps;
  const registry = new Registry();
  // A counter read from the database: each scrape replaces its values with the tables' totals.
  const total = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<{ labels: Record<L, string>; value: number }[]>,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const rows = await read();
        this.reset();
        for (const row of rows) this.inc(row.labels, row.value);
      },
    });

  total("ai_dev_deliveries_received_total", "Signed deliveries recorded, by source.", ["source"], async () =>
    (
      await db
        .selectFrom("deliveries")
        .select(["source", (eb) => eb.fn.countAll<string>().as("n")])
        .groupBy("source")
        .execute()
    ).map((r) => ({ labels: { source: r.source }, value: Number(r.n) })),
  );
  total(
    "ai_dev_deliveries_rejected_total",
    "Signed deliveries refused for their payload's shape, by source (bad signatures are recorded nowhere).",
    ["source"],
    async () =>
      (
        await db
          .selectFrom("deliveries")
          .select(["source", (eb) => eb.fn.countAll<string>().as("n")])
          .where("rejected_reason", "is not", null)
          .groupBy("source")
          .execute()
      ).map((r) => ({ labels: { source: r.source }, value: Number(r.n) })),
  );
  new Gauge({
    name: "ai_dev_runs",
    help: "Runs by state.",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom("runs")
        .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
        .groupBy("status")
        .execute();
      this.reset();
      for (const state of ["queued", "running", "waiting", "succeeded", "failed", "cancelled"]) {
        this.set({ state }, Number(rows.find((r) => r.status === state)?.n ?? 0));
      }
    },
  });
  total(
    "ai_dev_budget_refusals_total",
    "Runs stopped by a budget cap (a run's, a task's or a month's).",
    [],
    async () => {
      const row = await db
        .selectFrom("runs")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("error_code", "=", "budget_exceeded")
        .executeTakeFirst();
      return [{ labels: {}, value: Number(row?.n ?? 0) }];
    },
  );
  total(
    "ai_dev_model_tokens_total",
    "Model tokens by model and kind (input, output, cache_read, cache_write).",
    ["model", "kind"],
    async () => {
      const rows = await db
        .selectFrom("model_calls")
        .select([
          "model",
          (eb) => eb.fn.sum<string>("input_tokens").as("input"),
          (eb) => eb.fn.sum<string>("output_tokens").as("output"),
          (eb) => eb.fn.sum<string>("cache_read_tokens").as("cache_read"),
          sql<string>`sum(cache_write_5m_tokens + cache_write_1h_tokens)`.as("cache_write"),
        ])
        .groupBy("model")
        .execute();
      return rows.flatMap((r) =>
        (["input", "output", "cache_read", "cache_write"] as const).map((kind) => ({
          labels: { model: r.model, kind },
          value: Number(r[kind] ?? 0),
        })),
      );
    },
  );
  total(
    "ai_dev_model_cost_usd_total",
    "Model cost in US dollars by model, from the ledger.",
    ["model"],
    async () =>
      (
        await db
          .selectFrom("model_calls")
          .select(["model", (eb) => eb.fn.sum<string>("cost_micros").as("micros")])
          .groupBy("model")
          .execute()
      ).map((r) => ({ labels: { model: r.model }, value: Number(r.micros ?? 0) / 1_000_000 })),
  );
  new Histogram({
    name: "ai_dev_step_duration_seconds",
    help: "Durations of finished steps, by kind and outcome.",
    labelNames: ["kind", "status"],
    buckets: stepBuckets,
    registers: [registry],
    async collect() {
      // Counted per bucket in the database, not row by row: a long history stays one small answer. Each
      // bucket's steps are observed at their mean, which lies in the same bucket and keeps the sum exact.
      const bounds = sql.raw(`array[${stepBuckets.join(",")}]::float8[]`);
      const rows = await sql<{ kind: string; status: string; n: string | number; seconds: number }>`
        select kind, status, count(*) as n, avg(seconds)::float8 as seconds from (
          select kind, status, extract(epoch from (finished_at - started_at))::float8 as seconds,
                 width_bucket(extract(epoch from (finished_at - started_at))::float8, ${bounds}) as bucket
          from step_runs where finished_at is not null
        ) finished group by kind, status, bucket`.execute(db);
      this.reset();
      for (const row of rows.rows) {
        for (let i = 0; i < Number(row.n); i++)
          this.observe({ kind: row.kind, status: row.status }, row.seconds);
      }
    },
  });
  new Gauge({
    name: "ai_dev_queue_jobs",
    help: "Jobs in the durable queue, by queue and state (queued includes deferred).",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      const depths = await deps.queue.depths();
      this.reset();
      for (const d of depths) {
        this.set({ queue: d.queue, state: "queued" }, d.queued);
        this.set({ queue: d.queue, state: "active" }, d.active);
        this.set({ queue: d.queue, state: "deferred" }, d.deferred);
      }
    },
  });
  new Gauge({
    name: "ai_dev_queue_oldest_run_age_seconds",
    help: "How long the oldest queued run has waited for a worker (0 when none waits).",
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom("runs")
        .select((eb) => eb.fn.min("created_at").as("oldest"))
        .where("status", "=", "queued")
        .executeTakeFirst();
      const oldest = row?.oldest ? new Date(row.oldest as Date).getTime() : undefined;
      this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  return registry;
}

/** GET /metrics in Prometheus' text format; 503 when the database does not answer the scrape. */
export function metricsHandler(registry: Registry) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.url?.split("?")[0] !== metricsPath) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    try {
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(req.method === "HEAD" ? undefined : text);
    } catch {
      // The scrape fails visibly (Prometheus records `up` 0); the error's text stays in no answer.
      res
        .writeHead(503, { "content-type": "text/plain" })
        .end("metrics unavailable: the database did not answer\n");
    }
    return true;
  };
}
