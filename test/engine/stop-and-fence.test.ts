import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/engine/backoff.ts";
import { executeRun } from "../../src/engine/execute-run.ts";
import { getRun, listStepRuns } from "../../src/engine/run-store.ts";
import { cancelRun } from "../../src/runs/cancel-run.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import {
  type BehaviourContext,
  recordingAdapters,
  registryFromTexts,
  testDeps,
} from "./support/recording-ports.ts";
import { startRun } from "./support/start-run.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const header = `
description: a test workflow
inputs:
  task_key: { type: string, required: true }
`;

/** Creates a run of the one workflow in `text`; the test executes it with its own fakes. */
async function start(text: string) {
  const workflows = registryFromTexts({ "w.yml": text });
  const name = workflows.names()[0] as string;
  const started = await startRun(database.db, workflows, { workflow: name, inputs: { task_key: "PROJ-1" } });
  return { workflows, ...started };
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("stop means stop", () => {
  it("starts a timed-out step's retry only after its first attempt has ended", async () => {
    const { runId, execute } = await start(`name: timed${header}
steps:
  - name: notify
    plugin: communication
    action: notify
    timeout: 100ms
    on_error: retry
    retries: 1
    inputs: { message: hi }
`);
    const events: string[] = [];
    const recording = recordingAdapters({
      "communication.notify": async (_input, call, ctx) => {
        events.push(`start ${call}`);
        if (call === 1) {
          // The first attempt hangs past its timeout, and takes a while to wind down once told to stop.
          await aborted(ctx.signal);
          await pause(300);
          events.push("end 1");
          throw new Error("stopped");
        }
        events.push(`end ${call}`);
        return { delivered: true, message_id: "m2" };
      },
    });
    const outcome = await execute({ adapters: recording.adapters });

    expect(outcome).toEqual({ status: "succeeded", executed: true });
    expect(events).toEqual(["start 1", "end 1", "start 2", "end 2"]);
    const [step] = await listStepRuns(database.db, runId);
    expect([step?.status, step?.attempt]).toEqual(["succeeded", 2]);
  });

  it("does not retry a timed-out step that does not end within its grace, so no retry runs beside it", async () => {
    const { runId, execute } = await start(`name: stuck${header}
steps:
  - name: notify
    plugin: communication
    action: notify
    timeout: 50ms
    on_error: retry
    retries: 2
    inputs: { message: hi }
`);
    let calls = 0;
    const recording = recordingAdapters({
      "communication.notify": () => {
        calls += 1;
        return new Promise(() => {}); // ignores its signal for good
      },
    });
    const outcome = await execute({ adapters: recording.adapters, stopGraceMs: 100 });

    expect(outcome.status).toBe("failed");
    expect(outcome.error?.message).toContain("did not end within 100 ms after it was stopped");
    expect(calls).toBe(1);
    expect((await listStepRuns(database.db, runId))[0]?.attempt).toBe(1);
  });

  it("/cancel stops a run at its executing step within seconds, and the run ends cancelled", async () => {
    const { runId, workflows } = await start(`name: cancellable${header}
steps:
  - name: notify
    plugin: communication
    action: notify
    inputs: { message: hi }
  - name: after
    plugin: task_management
    action: update_status
    inputs: { task_key: "\${task_key}", status: done }
`);
    let stepEnded = false;
    const entered = Promise.withResolvers<void>();
    const recording = recordingAdapters({
      "communication.notify": async (_input, _call, ctx) => {
        entered.resolve();
        await aborted(ctx.signal);
        await pause(200);
        stepEnded = true;
        throw new Error("stopped");
      },
    });
    // A real clock and the default intervals: the heartbeat that sees the cancel is the production one.
    const running = executeRun(
      database.db,
      runId,
      testDeps(workflows, { adapters: recording.adapters, clock: () => new Date() }),
    );
    await entered.promise;
    const cancelledAt = Date.now();
    expect(await cancelRun(database.db, runId)).toBe("requested");
    const outcome = await running;

    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect(stepEnded).toBe(true); // waited for, not abandoned
    expect(outcome).toMatchObject({ status: "cancelled", error: { code: "cancelled" } });
    expect(outcome.error?.message).toContain('during step "notify"');
    expect(recording.callsOf("task_management.update_status")).toHaveLength(0);
    const steps = await listStepRuns(database.db, runId);
    expect(steps.map((s) => [s.stepName, s.status])).toEqual([["notify", "cancelled"]]);
    expect((await getRun(database.db, runId))?.status).toBe("cancelled");
  });
});

describe("fencing", () => {
  it("after a forced lease takeover the old worker writes nothing and no step runs on two workers at once", async () => {
    const { runId, workflows } = await start(`name: fenced${header}
steps:
  - name: notify
    plugin: communication
    action: notify
    inputs: { message: hi }
  - name: after
    plugin: task_management
    action: update_status
    inputs: { task_key: "\${task_key}", status: done }
`);
    const intervals: { worker: string; epoch: number; start: number; end: number }[] = [];
    const entered = Promise.withResolvers<void>();
    const notifyOf = (worker: string) => async (_input: unknown, _call: number, ctx: BehaviourContext) => {
      const span = { worker, epoch: ctx.leaseEpoch, start: Date.now(), end: Number.POSITIVE_INFINITY };
      intervals.push(span);
      if (worker === "a") {
        entered.resolve();
        // The old worker finishes its call after it was told to stop, and then tries to record it.
        await aborted(ctx.signal);
        await pause(300);
      }
      span.end = Date.now();
      return { delivered: true, message_id: `from-${worker}` };
    };
    const a = recordingAdapters({ "communication.notify": notifyOf("a") });
    const b = recordingAdapters({ "communication.notify": notifyOf("b") });
    // Real waits here: b's wait for a's stopped step is what keeps the two apart.
    const deps = { heartbeatMs: 50, leaseMs: 60_000, stopGraceMs: 1_000, sleep };
    const first = executeRun(
      database.db,
      runId,
      testDeps(workflows, { ...deps, workerId: "a", adapters: a.adapters, clock: () => new Date() }),
    );
    await entered.promise;
    // Worker b comes two minutes later by its clock: a's lease looks lapsed to it, though a is alive.
    const second = executeRun(
      database.db,
      runId,
      testDeps(workflows, {
        ...deps,
        workerId: "b",
        adapters: b.adapters,
        clock: () => new Date(Date.now() + 2 * 60_000),
      }),
    );
    const [outcomeA, outcomeB] = await Promise.all([first, second]);

    expect(outcomeA).toEqual({ status: "running", executed: true, interruption: "lease_lost" });
    expect(outcomeB).toEqual({ status: "succeeded", executed: true });
    const [spanA, spanB] = intervals;
    expect(intervals.map((i) => i.worker)).toEqual(["a", "b"]);
    expect(spanB?.start).toBeGreaterThanOrEqual(spanA?.end as number);
    expect(spanB?.epoch).toBe((spanA?.epoch as number) + 1);
    // Nothing of a's reached the database: the step's outputs are b's, and a never went on.
    expect(a.callsOf("task_management.update_status")).toHaveLength(0);
    const steps = await listStepRuns(database.db, runId);
    const notify = steps.find((s) => s.stepName === "notify");
    expect(notify?.outputs).toEqual({ delivered: true, message_id: "from-b" });
    expect(notify?.attempt).toBe(2);
    expect((await getRun(database.db, runId))?.leaseEpoch).toBe(spanB?.epoch);
  });
});
