import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { redactForStorage } from "../../engine/redact.ts";
import type { Logger } from "../../logging/logger.ts";
import type { RunEventsHub } from "../events/run-events-hub.ts";
import { getRunDetail, listRecentRuns } from "../list-runs.ts";
import { readRunView } from "../run-view.ts";
import { defaultRunsListed } from "../runs-limits.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { errorResponses, notFoundResponse } from "./errors.ts";

export interface EventsDeps {
  db: Kysely<Database>;
  events: RunEventsHub;
  /** Values scrubbed from everything a stream sends (the app's own secrets). */
  secrets: readonly string[];
  /** How often an idle stream says it is alive, so proxies and the browser keep it open. */
  heartbeatMs?: number;
  log: Logger;
}

const security = [{ Bearer: [] }, { Session: [] }];
const stream = (description: string) => ({
  description,
  content: { "text/event-stream": { schema: z.string() } },
});

const allEvents = createRoute({
  method: "get",
  path: "/events",
  summary: "Live status of all runs (Server-Sent Events)",
  description:
    "`runs` (the newest runs) on connect and after a lost database connection, then `run` (one run's summary) whenever a run's state, steps or cost change, in any process; `heartbeat` every 15 s.",
  security,
  middleware: [requireScope("read")] as const,
  responses: { 200: stream("An event stream"), ...errorResponses },
});

const runEvents = createRoute({
  method: "get",
  path: "/runs/{id}/events",
  summary: "Live status of one run: its steps and its agents' commands (Server-Sent Events)",
  description:
    "`run` (the run, its steps, links and agent activity) on connect and on every change; `heartbeat` every 15 s.",
  security,
  middleware: [requireScope("read")] as const,
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(100)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: { 200: stream("An event stream"), ...errorResponses, ...notFoundResponse },
});

export function eventsRoutes(app: OpenAPIHono<ApiEnv>, deps: EventsDeps) {
  const redact = (value: unknown) => redactForStorage(value, deps.secrets);
  app.openapi(allEvents, (c) =>
    liveStream(c, deps, {
      snapshot: async (send) =>
        send("runs", { runs: redact(await listRecentRuns(deps.db, defaultRunsListed)) }),
      changed: async (runIds, send) => {
        for (const runId of runIds) {
          const detail = await getRunDetail(deps.db, runId);
          if (detail) await send("run", redact(detail.run));
        }
      },
    }),
  );
  app.openapi(runEvents, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await getRunDetail(deps.db, id))) return c.json({ error: `no run ${id}` }, 404);
    const sendView = async (send: Send) => {
      const view = await readRunView(deps.db, id, deps.secrets);
      if (view) await send("run", view);
    };
    return liveStream(c, deps, {
      snapshot: sendView,
      changed: async (runIds, send) => {
        if (runIds.has(id)) await sendView(send);
      },
    });
  });
}

type Send = (event: string, data: unknown) => Promise<void>;

/**
 * A stream that sends a snapshot, then what changes, until the client goes away or the app stops.
 * Writes go out one at a time in the order they were asked for; a failed read is logged and the
 * stream goes on (the client sees no internal error's text).
 */
function liveStream(
  c: Context<ApiEnv>,
  deps: EventsDeps,
  handlers: {
    snapshot(send: Send): Promise<void>;
    changed(runIds: ReadonlySet<string>, send: Send): Promise<void>;
  },
) {
  return streamSSE(c, async (sse: SSEStreamingApi) => {
    const send: Send = (event, data) => sse.writeSSE({ event, data: JSON.stringify(data) });
    let queue = Promise.resolve();
    const enqueue = (work: () => Promise<void>) => {
      queue = queue.then(work).catch((err: unknown) => {
        deps.log.error({ err, path: c.req.path }, "event stream could not read a run");
      });
    };
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    sse.onAbort(() => end());
    // The Node server aborts the request's signal when the client goes away.
    c.req.raw.signal.addEventListener("abort", () => end(), { once: true });
    if (c.req.raw.signal.aborted) end();
    let unsubscribe: () => void;
    try {
      unsubscribe = await deps.events.subscribe({
        changed: (runIds) => enqueue(() => handlers.changed(runIds, send)),
        resync: () => enqueue(() => handlers.snapshot(send)),
        closed: () => end(),
      });
    } catch (err) {
      deps.log.error({ err }, "could not listen for run events");
      return;
    }
    const heartbeat = setInterval(
      () => enqueue(() => send("heartbeat", { at: new Date().toISOString() })),
      deps.heartbeatMs ?? 15_000,
    );
    try {
      // The browser reconnects after this long when the stream drops; the snapshot brings it up to date.
      await sse.write("retry: 3000\n\n");
      // After subscribing, so nothing that changes between the two is missed.
      enqueue(() => handlers.snapshot(send));
      await ended;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
}
