/**
 * A small load generator for signed webhook deliveries over node:http with a keep-alive Agent, on
 * 127.0.0.1 only. Two shapes: closed loop (N connections, each sends its next request when the last
 * answered: finds the saturation rate) and fixed rate (requests scheduled at R/s over N connections;
 * latency counts from the scheduled time, so a slow server cannot hide its queue by slowing the sender).
 * Bounded by a request count and a time limit, whichever comes first. Each phase may begin with untimed
 * warm-up deliveries from the same thread and socket pool: a phase's thread is new, and its first
 * thousand sends run unoptimised code and open sockets, a burst of client work that lands on the same
 * two cores as the server and would be timed against whichever server has the least idle CPU.
 */
import { createHmac, randomUUID } from "node:crypto";
import { Agent, request } from "node:http";

export interface DeliveryTemplate {
  /** X-GitHub-Event. */
  event: string;
  /** The payload as JSON, with `sentinel` where each delivery puts its own issue number. */
  json: string;
  sentinel: string;
  firstNumber: number;
  secret: string;
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** Deliveries per second; absent: closed loop. */
  rate?: number;
  requests: number;
  maxSeconds: number;
  /**
   * Untimed deliveries first, closed loop over up to `connections` sockets (numbered after the timed
   * ones: the template's numbers must cover requests + warmup).
   */
  warmup?: number;
  delivery: DeliveryTemplate;
}

export interface LoadResult {
  /** Milliseconds per answered request, in completion order. */
  latencies: Float64Array;
  /** Answers that were not 2xx, and requests that failed outright. */
  errors: number;
  firstError: string | undefined;
  /** From the first send to the last answer. */
  elapsedMs: number;
  /** Warm-up deliveries answered 2xx (untimed, not in latencies). */
  warmedUp: number;
}

/** One delivery's body and headers, as GitHub would send it: a new delivery id and issue number each. */
export function deliveryFactory(
  t: DeliveryTemplate,
): (i: number) => { body: string; headers: Record<string, string> } {
  const parts = t.json.split(t.sentinel);
  if (parts.length !== 2) throw new Error("the payload template must hold the sentinel exactly once");
  return (i) => {
    const body = parts.join(String(t.firstNumber + i));
    return {
      body,
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "x-github-event": t.event,
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${createHmac("sha256", t.secret).update(body).digest("hex")}`,
        "user-agent": "GitHub-Hookshot/bench",
      },
    };
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  if (target.hostname !== "127.0.0.1") throw new Error("the load generator only targets 127.0.0.1");
  // maxSockets = connections: when all are busy, the Agent queues the request, and that wait counts.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const make = deliveryFactory(spec.delivery);
  const latencies = new Float64Array(spec.requests);
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  let warmedUp = 0;
  const send = (i: number, since: number, timed = true) =>
    new Promise<void>((resolve) => {
      const { body, headers } = make(i);
      const fail = (message: string) => {
        errors += 1;
        firstError ??= message;
        resolve();
      };
      const req = request(target, { method: "POST", agent, headers }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
            if (timed) latencies[done++] = performance.now() - since;
            else warmedUp += 1;
            resolve();
          } else fail(`HTTP ${res.statusCode}`);
        });
        res.on("error", (e) => fail(e.message));
      });
      req.on("error", (e) => fail(e.message));
      req.end(body);
    });

  let started = performance.now();
  try {
    if (spec.warmup) await warmUp(spec, spec.warmup, send);
    started = performance.now();
    const deadline = started + spec.maxSeconds * 1000;
    if (spec.rate === undefined) await closedLoop(spec, send, deadline);
    else await fixedRate(spec, spec.rate, send, deadline);
  } finally {
    agent.destroy();
  }
  return {
    latencies: latencies.slice(0, done),
    errors,
    firstError,
    elapsedMs: performance.now() - started,
    warmedUp,
  };
}

type Send = (i: number, since: number, timed?: boolean) => Promise<void>;

/** The untimed deliveries, closed loop over the phase's sockets, numbered after the timed ones. */
async function warmUp(spec: LoadSpec, count: number, send: Send): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < count) await send(spec.requests + next++, performance.now(), false);
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
}

async function closedLoop(spec: LoadSpec, send: Send, deadline: number): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < spec.requests && performance.now() < deadline) {
      const i = next++;
      await send(i, performance.now());
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
}

async function fixedRate(spec: LoadSpec, rate: number, send: Send, deadline: number): Promise<void> {
  const interval = 1000 / rate;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  let i = 0;
  while (i < spec.requests && performance.now() < deadline) {
    const now = performance.now();
    // Send every request that is due; a late timer sends a small burst, each timed from its own slot.
    while (i < spec.requests && t0 + i * interval <= now) {
      pending.push(send(i, t0 + i * interval));
      i += 1;
    }
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pending);
}

export interface LatencySummary {
  count: number;
  /** Untimed warm-up deliveries answered 2xx before the timed ones. */
  warmedUp: number;
  p50: number;
  p99: number;
  max: number;
  /** Answered deliveries per second over the whole phase. */
  perSecond: number;
}

export function summarize(result: LoadResult): LatencySummary {
  const sorted = Array.from(result.latencies).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    count: sorted.length,
    warmedUp: result.warmedUp,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.at(-1) ?? Number.NaN,
    perSecond: (sorted.length / result.elapsedMs) * 1000,
  };
}
