import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseCheckpoints } from "../../src/agents/checkpoints.ts";
import { insertRun, LeaseLostError } from "../../src/engine/run-store.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const checkpoint = (turn: number) => ({
  turn,
  messages: [{ role: "user" as const, content: "task" }],
  diff: "",
  baseCommit: "abc",
  state: { turn },
});

describe("agent checkpoints", () => {
  it("refuses a save from a worker whose run was taken over, keeping the new owner's checkpoint", async () => {
    const runId = await insertRun(database.db, { workflow: "w", inputs: {}, context: {}, now: new Date() });
    await database.db.updateTable("runs").set({ lease_epoch: 1 }).where("id", "=", runId).execute();
    const stale = databaseCheckpoints(database.db, { runId, stepKey: "develop", leaseEpoch: 1 });
    await stale.save(checkpoint(1));
    // Another worker takes the run over (epoch 2) and checkpoints its own turn.
    await database.db.updateTable("runs").set({ lease_epoch: 2 }).where("id", "=", runId).execute();
    const owner = databaseCheckpoints(database.db, { runId, stepKey: "develop", leaseEpoch: 2 });
    await owner.save(checkpoint(2));

    await expect(stale.save(checkpoint(3))).rejects.toBeInstanceOf(LeaseLostError);
    expect((await owner.load())?.turn).toBe(2);
  });

  it("keeps a tool result that holds NUL bytes (cat /proc/self/environ), with U+FFFD in their place", async () => {
    const runId = await insertRun(database.db, { workflow: "w", inputs: {}, context: {}, now: new Date() });
    const store = databaseCheckpoints(database.db, { runId, stepKey: "develop" });
    const output = "PATH=/usr/bin\u0000HOME=/tmp\u0000";
    const literal = "a backslash and u0000 as text: \\u0000";
    await store.save({
      ...checkpoint(1),
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: output }] }],
      state: { note: literal },
    });
    const loaded = await store.load();
    expect(loaded?.messages[0]?.content).toEqual([
      { type: "tool_result", tool_use_id: "t1", content: "PATH=/usr/bin\ufffdHOME=/tmp\ufffd" },
    ]);
    expect(loaded?.state).toEqual({ note: literal });
  });
});
