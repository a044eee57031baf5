/**
 * Webhook acknowledgement latency and throughput of the app, next to a bare Probot app that does
 * nothing, in the same run on the same machine (issues #6 and #13). Per database (PGlite always;
 * PostgreSQL when DATABASE_URL is set):
 *   1. saturation: closed loops at 8 and at 64 connections for bare Probot, then the app's trigger path
 *      (commit the delivery with its trigger; the process's relay queues the intake job right after,
 *      beside the load) and its record-only path (commit the delivery); each server's saturation is its
 *      better rate. One closed loop is not enough: at 8 connections the bare app is already CPU-bound,
 *      while a server that waits on a commit is bound by the client instead (8 in flight / its latency)
 *      with idle CPU on both of its threads, and GitHub does not cap its deliveries in flight at 8;
 *   2. comparison: the same fixed offered rate for all three, half the lowest saturation rate, so every
 *      server is below saturation and latency measures work per delivery, not a queue; then the bare
 *      app and the trigger path at lighter loads. The sender may open up to 64 connections, as many as
 *      the saturation search, so a burst waits on the server, not on the client's pool.
 * Before each phase the relay has caught up, so no phase pays for an earlier one's backlog; how long it
 * took after the trigger saturation phase gives the relay's own rate. At the end every acknowledged
 * trigger must have its delivery and exactly one intake job.
 * The load comes from a worker thread and the fake GitHub runs in another, so neither bills its work
 * to the server under test. Each trigger delivery has its own delivery id and issue number.
 * Targets: trigger p99 ≤ 2 × bare p99 at 50 % and 25 % of saturation; trigger throughput ≥ half the
 * bare app's.
 */
import { sql } from "kysely";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { webhookSecret } from "../../test/support/app-harness.ts";
import type { BenchFigures } from "../run.ts";
import { figureSuffix } from "../support/bench-world.ts";
import { type DeliveryTemplate, type LatencySummary, type LoadSpec, summarize } from "../support/load.ts";
import { runLoadInWorker } from "../support/load-worker.ts";
import {
  type AppTarget,
  startAppTarget,
  startBareProbot,
  type Target,
  triggerActor,
} from "../support/targets.ts";

export const name = "webhook-ack";

/** The closed loops' connections; each server's saturation is its best rate over them. */
const saturationConnections = [8, 64] as const;
/** The fixed-rate phases' pool: sockets open as the offered load needs them, up to this many. */
const fixedRateConnections = 64;
/** Below this share of the lowest saturation rate every server still has idle time. */
const offeredShare = 0.5;
/** Lighter loads, to show how the ratio depends on how busy the app is (headline stays at offeredShare). */
const lighterShares = [0.25, 0.1];
const saturation = { requests: 20_000, maxSeconds: 5 };
const comparisonSeconds = 10;
/** Untimed deliveries at the start of every timed phase, from its own thread (see load.ts). */
const phaseWarmup = 1_000;
const sentinel = "987654321";
/** Issue numbers never repeat across phases, so no delivery joins an already active run. */
let nextIssue = 1;

function template(kind: "trigger" | "record-only", count: number): DeliveryTemplate {
  const firstNumber = nextIssue;
  nextIssue += count;
  const payload =
    kind === "trigger" ? webhookExample("issues", "labeled") : webhookExample("issues", "opened");
  const p = payload as {
    label?: { name: string };
    issue: { number: number };
    sender: { login: string; type: string };
    installation?: { id: number };
  };
  if (kind === "trigger" && p.label) p.label.name = "ai-implement";
  p.issue.number = Number(sentinel);
  p.sender.login = triggerActor;
  p.sender.type = "User";
  p.installation = { id: 42 };
  return { event: "issues", json: JSON.stringify(payload), sentinel, firstNumber, secret: webhookSecret };
}

async function phase(
  target: Target,
  kind: "trigger" | "record-only",
  shape: { rate?: number; requests: number; maxSeconds: number; connections: number; warmup?: number },
): Promise<LatencySummary> {
  const warmup = shape.warmup ?? phaseWarmup;
  const spec: LoadSpec = {
    url: target.url,
    connections: shape.connections,
    requests: shape.requests,
    maxSeconds: shape.maxSeconds,
    warmup,
    delivery: template(kind, shape.requests + warmup),
    ...(shape.rate !== undefined ? { rate: shape.rate } : {}),
  };
  // Whatever an earlier phase left for the relay is queued before this one starts.
  if (isAppTarget(target)) await target.runtime.queue.intakeRelay.relayPending();
  const result = await runLoadInWorker(spec);
  if (result.errors > 0) throw new Error(`${result.errors} deliveries failed (first: ${result.firstError})`);
  return summarize(result);
}

/** Every delivery of a phase answered 2xx, timed or not. */
const answered = (summary: LatencySummary) => summary.count + summary.warmedUp;

function isAppTarget(target: Target): target is AppTarget {
  return "runtime" in target;
}

/** Warms JIT, connections and the installation token before anything is timed. */
const warm = (target: Target, kind: "trigger" | "record-only") =>
  phase(target, kind, { requests: 400, maxSeconds: 20, connections: 4, warmup: 0 });

/**
 * What the trigger path committed, once the relay has caught up: the web process only accepts (a worker
 * authorizes each trigger and makes its run afterwards), so each acknowledged delivery must have its row
 * and exactly one intake job.
 */
async function committed(app: AppTarget): Promise<Committed> {
  await app.runtime.queue.intakeRelay.relayPending();
  const db = app.database.db;
  const jobTable = sql.table(`${app.runtime.queue.schema}.job`);
  const count = async (query: ReturnType<typeof sql<{ n: number }>>) =>
    Number((await query.execute(db)).rows[0]?.n ?? 0);
  return {
    deliveries: await count(
      sql<{ n: number }>`select count(*)::int as n from deliveries where event = 'issues.labeled'`,
    ),
    jobs: await count(sql<{ n: number }>`select count(*)::int as n from ${jobTable} where name = 'intake'`),
    notExactlyOne: await count(sql<{ n: number }>`
      select count(*)::int as n from (
        select d.id from deliveries d
        left join ${jobTable} j on j.name = 'intake' and j.data->>'deliveryId' = d.id
        where d.event = 'issues.labeled'
        group by d.id having count(j.id) <> 1
      ) as off`),
  };
}

interface Committed {
  deliveries: number;
  jobs: number;
  /** Trigger deliveries with no intake job, or more than one. */
  notExactlyOne: number;
}

/** A server's closed loops, one per entry of saturationConnections, and the best of them. */
interface Saturation {
  byConnections: { connections: number; summary: LatencySummary }[];
  best: LatencySummary & { connections: number };
  /** Deliveries answered over all its loops. */
  count: number;
}

/** Closed loops at each of saturationConnections; the server's saturation is the best rate. */
async function saturate(target: Target, kind: "trigger" | "record-only"): Promise<Saturation> {
  const byConnections: Saturation["byConnections"] = [];
  for (const connections of saturationConnections) {
    // Each phase starts once the relay has caught up with the one before (see phase).
    byConnections.push({ connections, summary: await phase(target, kind, { ...saturation, connections }) });
  }
  const best = byConnections.reduce((a, b) => (b.summary.perSecond > a.summary.perSecond ? b : a));
  return {
    byConnections,
    best: { ...best.summary, connections: best.connections },
    count: byConnections.reduce((n, l) => n + answered(l.summary), 0),
  };
}

interface Measured {
  bareSat: Saturation;
  triggerSat: Saturation;
  recordSat: Saturation;
  rate: number;
  bare: LatencySummary;
  trigger: LatencySummary;
  record: LatencySummary;
  /** Trigger deliveries answered 2xx, over all phases. */
  triggerAcked: number;
  /** After the trigger path's last closed loop: its deliveries, its time, and the relay's catch-up after it. */
  relayCatchUp: { count: number; loopMs: number; catchUpMs: number };
  /** Bare and trigger p99 at lighter offered loads. */
  lighter: { share: number; rate: number; bare: LatencySummary; trigger: LatencySummary }[];
  committed: Committed;
  githubCalls: Record<string, number>;
}

async function measure(kind: "pglite" | "postgres"): Promise<Measured> {
  // Bare Probot first, alone; its server stays idle (no load, no timers) while the app is measured.
  const bareServer = await startBareProbot();
  const app = await startAppTarget(kind);
  try {
    await warm(bareServer, "trigger");
    const bareSat = await saturate(bareServer, "trigger");
    const warmTrigger = await warm(app, "trigger");
    await warm(app, "record-only");
    const triggerSat = await saturate(app, "trigger");
    const caughtUp = performance.now();
    await app.runtime.queue.intakeRelay.relayPending();
    const catchUpMs = performance.now() - caughtUp;
    const lastLoop = triggerSat.byConnections.at(-1)?.summary;
    const relayCatchUp = {
      count: lastLoop?.count ?? 0,
      loopMs: lastLoop ? (lastLoop.count / lastLoop.perSecond) * 1000 : 0,
      catchUpMs,
    };
    const recordSat = await saturate(app, "record-only");

    const lowest = Math.min(bareSat.best.perSecond, triggerSat.best.perSecond);
    const rate = Math.max(1, Math.floor(offeredShare * lowest));
    const fixed = {
      rate,
      requests: rate * comparisonSeconds,
      maxSeconds: comparisonSeconds * 3,
      connections: fixedRateConnections,
    };
    const bare = await phase(bareServer, "trigger", fixed);
    const trigger = await phase(app, "trigger", fixed);
    const record = await phase(app, "record-only", fixed);
    const lighter: Measured["lighter"] = [];
    for (const share of lighterShares) {
      const lightRate = Math.max(1, Math.floor(share * lowest));
      const light = {
        rate: lightRate,
        requests: lightRate * comparisonSeconds,
        maxSeconds: comparisonSeconds * 3,
        connections: fixedRateConnections,
      };
      lighter.push({
        share,
        rate: lightRate,
        bare: await phase(bareServer, "trigger", light),
        trigger: await phase(app, "trigger", light),
      });
    }
    const triggerAcked =
      answered(warmTrigger) +
      triggerSat.count +
      answered(trigger) +
      lighter.reduce((n, l) => n + answered(l.trigger), 0);
    return {
      bareSat,
      triggerSat,
      recordSat,
      rate,
      bare,
      trigger,
      record,
      triggerAcked,
      relayCatchUp,
      lighter,
      committed: await committed(app),
      githubCalls: await app.github.requestCounts(),
    };
  } finally {
    await app.stop();
    await bareServer.stop();
  }
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const lat = (s: LatencySummary) => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (n=${s.count})`;
const round = (v: number, digits = 2) => Number(v.toFixed(digits));

export async function run(): Promise<BenchFigures> {
  const rows: BenchFigures["rows"] = [];
  const figures: BenchFigures["figures"] = {};
  for (const kind of ["pglite", "postgres"] as const) {
    const suffix = figureSuffix(kind);
    if (kind === "postgres" && !process.env.DATABASE_URL) {
      rows.push({ label: "postgres", value: "skipped (set DATABASE_URL to measure PostgreSQL)" });
      for (const key of ["ack_p99_ms", "bare_probot_ack_p99_ms", "ack_p99_ratio", "deliveries_per_s"])
        figures[`${key}${suffix}`] = null;
      continue;
    }
    const m = await measure(kind);
    const ratio = m.trigger.p99 / m.bare.p99;
    const offered = `${m.rate}/s offered, up to ${fixedRateConnections} conn`;
    const throughputShare = m.triggerSat.best.perSecond / m.bareSat.best.perSecond;
    const relay = m.relayCatchUp;
    const relayPerSecond = (relay.count / (relay.loopMs + relay.catchUpMs)) * 1000;
    /** One row per closed loop, the server's best marked. */
    const saturationRows = (server: string, sat: Saturation) =>
      sat.byConnections.map(({ connections, summary }) => ({
        label: `${kind}: ${server}, closed loop, ${connections} conn`,
        value: `${summary.perSecond.toFixed(0)}/s, ${lat(summary)}${connections === sat.best.connections ? " (its saturation)" : ""}`,
      }));
    const c = m.committed;
    const isExactlyOnce =
      c.deliveries === m.triggerAcked && c.jobs === m.triggerAcked && c.notExactlyOne === 0;
    const met = (ok: boolean) => (ok ? "met" : "MISSED");
    rows.push(
      ...saturationRows("bare probot", m.bareSat),
      ...saturationRows("app trigger", m.triggerSat),
      ...saturationRows("app record-only", m.recordSat),
      { label: `${kind}: bare probot, ${offered}`, value: lat(m.bare) },
      { label: `${kind}: app trigger, ${offered}`, value: lat(m.trigger) },
      { label: `${kind}: app record-only, ${offered}`, value: lat(m.record) },
      {
        label: `${kind}: trigger p99 / bare p99`,
        value: `${ratio.toFixed(2)}x (target ≤ 2x: ${met(ratio <= 2)}); record-only ${(m.record.p99 / m.bare.p99).toFixed(2)}x`,
      },
      ...m.lighter.map((l) => {
        const lightRatio = l.trigger.p99 / l.bare.p99;
        const target = l.share >= 0.25 ? ` (target ≤ 2x: ${met(lightRatio <= 2)})` : "";
        return {
          label: `${kind}: at ${l.rate}/s (${l.share * 100}% of saturation)`,
          value: `bare p99 ${ms(l.bare.p99)}, trigger p99 ${ms(l.trigger.p99)}: ${lightRatio.toFixed(2)}x${target}`,
        };
      }),
      {
        label: `${kind}: trigger throughput / bare`,
        value: `${throughputShare.toFixed(2)} (target ≥ 0.5: ${met(throughputShare >= 0.5)})`,
      },
      {
        label: `${kind}: intake relay after saturation`,
        value: `caught up ${ms(relay.catchUpMs)} after the last closed loop; ${relayPerSecond.toFixed(0)} jobs/s over both`,
      },
      {
        label: `${kind}: ${m.triggerAcked} trigger acks`,
        value: `${c.deliveries} deliveries, ${c.jobs} intake jobs, ${c.notExactlyOne} deliveries without exactly one job (target: one job per ack: ${met(isExactlyOnce)})`,
      },
      {
        label: `${kind}: fake GitHub calls (all phases)`,
        value:
          Object.entries(m.githubCalls)
            .map(([k, v]) => `${k} ×${v}`)
            .join("; ") || "none",
      },
    );
    Object.assign(figures, {
      [`ack_p50_ms${suffix}`]: round(m.trigger.p50),
      [`ack_p99_ms${suffix}`]: round(m.trigger.p99),
      [`bare_probot_ack_p50_ms${suffix}`]: round(m.bare.p50),
      [`bare_probot_ack_p99_ms${suffix}`]: round(m.bare.p99),
      [`ack_p99_ratio${suffix}`]: round(ratio),
      [`deliveries_per_s${suffix}`]: round(m.triggerSat.best.perSecond, 0),
      [`bare_probot_deliveries_per_s${suffix}`]: round(m.bareSat.best.perSecond, 0),
      [`record_only_ack_p99_ms${suffix}`]: round(m.record.p99),
      [`record_only_deliveries_per_s${suffix}`]: round(m.recordSat.best.perSecond, 0),
      [`ack_saturation_connections${suffix}`]: m.triggerSat.best.connections,
      [`bare_probot_saturation_connections${suffix}`]: m.bareSat.best.connections,
      [`ack_offered_rate_per_s${suffix}`]: m.rate,
      [`ack_throughput_share_of_bare${suffix}`]: round(throughputShare),
      [`intake_relay_per_s${suffix}`]: round(relayPerSecond, 0),
      [`ack_intake_exactly_once${suffix}`]: isExactlyOnce ? 1 : 0,
      ...Object.fromEntries(
        m.lighter.map((l) => [
          `ack_p99_ratio_at_${l.share * 100}pct${suffix}`,
          round(l.trigger.p99 / l.bare.p99),
        ]),
      ),
    });
  }
  return { figures, rows };
}
