import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../demo/wait-for.ts";
import { type AppDatabase, openDatabase } from "../../src/db/connect.ts";
import { finishRun, finishStepRun, insertRun, jsonParam, startStepRun } from "../../src/engine/run-store.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { createApi } from "../../src/ops/api/api-app.ts";
import { listenForRunChanges } from "../../src/ops/events/run-changes.ts";
import { RunEventsHub } from "../../src/ops/events/run-events-hub.ts";
import type { RunSummary } from "../../src/ops/list-runs.ts";
import type { RunView } from "../../src/ops/run-view.ts";
import { writeApiTestConfig } from "../support/api-config.ts";
import { startTestApp, type TestApp, webhookSecret } from "../support/app-harness.ts";
import { openEventStream } from "../support/event-stream.ts";

const operator = "operator-token-0123456789abcdef";
const rateLimit = 40;
let app: TestApp;
let dir: string;
/**
 * Where the test writes runs as a worker would: on PostgreSQL a connection of its own (another
 * process's, as far as the server can tell), on PGlite the app's one database.
 */
let worker: AppDatabase;

beforeAll(async () => {
  let config: string;
  ({ dir, config } = writeApiTestConfig("ai-dev-events-", rateLimit));
  app = await startTestApp({ worker: false, apiTokens: [operator], env: { AI_DEV_CONFIG: config } });
  const url = process.env.DATABASE_URL;
  worker =
    url && app.database.schema
      ? await openDatabase({ kind: "postgres", url, schema: app.database.schema })
      : app.database;
});
afterAll(async () => {
  if (worker !== app?.database) await worker?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function queueRun(id: string, issueUrl = "https://github.com/Codertocat/Hello-World/issues/7") {
  await insertRun(worker.db, {
    id,
    workflow: "implement-issue",
    inputs: {},
    context: {
      request: { trigger: { source: "github", event: "issues.labeled", target: { url: issueUrl } } },
    },
    now: new Date(),
  });
  await worker.db
    .updateTable("runs")
    .set({ source: "github", repository: "Codertocat/Hello-World", target_kind: "issue", target_number: 7 })
    .where("id", "=", id)
    .execute();
}

const fence = (runId: string) => ({ runId, epoch: 0 });

describe("live run status over Server-Sent Events", () => {
  it("streams every run's state as another connection queues, runs and finishes it", async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(operator));
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await stream.next<{ runs: RunSummary[] }>((e) => e.event === "runs", "the snapshot of the runs");

    const runId = "5e0c0000-0000-4000-8000-000000000001";
    await queueRun(runId);
    const isRun = (state: string) => (e: { event: string }, d: RunSummary) =>
      e.event === "run" && d.id === runId && d.state === state;
    const queued = await stream.next(isRun("queued"), "the run queued");
    expect(queued).toMatchObject({ repository: "Codertocat/Hello-World", workflow: "implement-issue" });

    await worker.db
      .updateTable("runs")
      .set({ status: "running", started_at: new Date() })
      .where("id", "=", runId)
      .execute();
    await stream.next(isRun("running"), "the run running");
    const step = { runId, stepName: "remember", phase: "main" as const };
    await startStepRun(worker.db, fence(runId), {
      ...step,
      position: 0,
      kind: "set",
      idempotencyKey: `${runId}:remember`,
      inputs: {},
      now: new Date(),
    });
    await finishStepRun(worker.db, fence(runId), {
      ...step,
      status: "succeeded",
      outputs: {},
      error: null,
      costUsdMicros: 120_000,
      now: new Date(),
    });
    const costed = await stream.next<RunSummary>(
      (e, d) => e.event === "run" && d.id === runId && d.costUsdMicros === 120_000,
      "the run's cost after its step",
    );
    expect(costed.steps).toEqual({ total: 1, failed: 0 });
    await finishRun(worker.db, fence(runId), { status: "succeeded", now: new Date() });
    await stream.next(isRun("succeeded"), "the run succeeded");
    // A lease renewal changes nothing a person sees: no event for it.
    const before = stream.events.length;
    await worker.db
      .updateTable("runs")
      .set({ lease_expires_at: new Date(), updated_at: new Date() })
      .where("id", "=", runId)
      .execute();
    await queueRun("5e0c0000-0000-4000-8000-000000000009");
    await stream.next<RunSummary>((e, d) => e.event === "run" && d.id.endsWith("09"), "the next run");
    expect(stream.events.slice(before).filter((e) => e.data.includes(runId))).toEqual([]);
    stream.close();
  });

  it("streams one run's steps and its agent's commands, with the app's secrets scrubbed", async () => {
    const runId = "5e0c0000-0000-4000-8000-000000000002";
    await queueRun(runId);
    await worker.db.updateTable("runs").set({ pull_request_number: 12 }).where("id", "=", runId).execute();
    const stream = await openEventStream(`${app.url}/api/v1/runs/${runId}/events`, bearer(operator));
    const first = await stream.next<RunView>((e) => e.event === "run", "the run's snapshot");
    expect(first.links).toEqual({
      issue: "https://github.com/Codertocat/Hello-World/issues/7",
      pullRequest: "https://github.com/Codertocat/Hello-World/pull/12",
    });
    expect(first.steps).toEqual([]);

    await startStepRun(worker.db, fence(runId), {
      runId,
      stepName: "implement",
      phase: "main",
      position: 0,
      kind: "agent",
      idempotencyKey: `${runId}:implement`,
      inputs: {},
      now: new Date(),
    });
    await stream.next<RunView>(
      (_, d) => d.steps[0]?.name === "implement" && d.steps[0]?.state === "running",
      "the agent step running",
    );
    const state = {
      costUsd: 0.25,
      bookkeeping: {
        events: [
          { kind: "file_edited", path: "src/app.ts" },
          // A command that echoes a secret the app knows (here the webhook secret) must not show it.
          {
            kind: "command",
            command: `curl -H 'x: ${webhookSecret}' localhost`,
            exitCode: 0,
            timedOut: false,
            durationMs: 5,
          },
          { kind: "command", command: "npm test", exitCode: 1, timedOut: false, durationMs: 900 },
        ],
      },
    };
    await worker.db
      .insertInto("agent_checkpoints")
      .values({
        run_id: runId,
        step_key: "implement",
        turn: 3,
        messages: jsonParam([]),
        diff: "",
        base_commit: null,
        state: jsonParam(state),
      })
      .execute();
    const withAgent = await stream.next<RunView>((_, d) => d.agents.length > 0, "the agent's commands");
    expect(withAgent.agents[0]).toMatchObject({
      step: "implement",
      turns: 3,
      costUsd: 0.25,
      filesChanged: ["src/app.ts"],
    });
    expect(withAgent.agents[0]?.commands.map((c) => [c.command, c.exitCode])).toEqual([
      ["curl -H 'x: [Redacted]' localhost", 0],
      ["npm test", 1],
    ]);
    expect(stream.events.map((e) => e.data).join("\n")).not.toContain(webhookSecret);
    stream.close();
  });

  it("stops listening for a stream when its client goes away", async () => {
    const hub = app.runtime.runEvents;
    await waitFor(async () => hub.subscriberCount === 0 || undefined, 5_000, "earlier streams to be gone");
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(operator));
    await stream.next((e) => e.event === "runs", "the snapshot");
    expect(hub.subscriberCount).toBe(1);
    stream.close();
    await waitFor(
      async () => hub.subscriberCount === 0 || undefined,
      5_000,
      "the stream's listener to be removed",
    );
  });

  it("refuses a missing or wrong token (401), a bad run id (400) and an unknown run (404)", async () => {
    const none = await fetch(`${app.url}/api/v1/events`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${app.url}/api/v1/runs/x/events`, { headers: bearer("aidev_wrong") });
    expect(wrong.status).toBe(401);
    const long = await fetch(`${app.url}/api/v1/runs/${"x".repeat(101)}/events`, {
      headers: bearer(operator),
    });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { fields: unknown }).fields).toEqual([
      { path: "id", message: expect.any(String) },
    ]);
    const unknown = await fetch(`${app.url}/api/v1/runs/no-such-run/events`, { headers: bearer(operator) });
    expect(unknown.status).toBe(404);
  });

  it("answers 429 once a token is over its rate limit, for streams too", async () => {
    const created = await fetch(`${app.url}/api/v1/tokens`, {
      method: "POST",
      headers: { ...bearer(operator), "content-type": "application/json" },
      body: JSON.stringify({ name: "dashboard", scopes: ["read"] }),
    });
    const { token } = (await created.json()) as { token: string };
    let last = 0;
    for (let i = 0; i <= rateLimit && last !== 429; i++) {
      const answer = await fetch(`${app.url}/api/v1/runs/no-such-run/events`, { headers: bearer(token) });
      last = answer.status;
    }
    expect(last).toBe(429);
  });
});

describe("an idle event stream", () => {
  it("sends a heartbeat at its interval", async () => {
    const log = createLogger({ level: "silent", secrets: [] });
    const events = new RunEventsHub((listener) => listenForRunChanges(app.database, listener, log));
    const api = createApi({
      db: app.database.db,
      operatorTokens: [operator],
      rateLimit: { requests: 100, window_seconds: 60 },
      log,
      live: { events, secrets: [], heartbeatMs: 50 },
      intake: { queue: app.runtime.queue },
    });
    const response = await api.request("/api/v1/events", { headers: bearer(operator) });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("event: heartbeat")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toMatch(/event: heartbeat\ndata: \{"at":"[^"]+"\}/);
    await reader.cancel();
    await events.close();
  });
});
