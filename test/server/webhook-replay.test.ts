import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labeledIssue } from "../../demo/stand-ins/webhook-examples.ts";
import { intakeQueueName } from "../../src/queue/run-queue.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

let issueNumber = 700;

/** An issues.labeled delivery on an issue of its own: each body differs, so none is a replay of another. */
const labeled = () => labeledIssue(++issueNumber, installationId);

/** The delivery's intake jobs, once the relay has moved every delivery acknowledged so far. */
async function intakeJobsOf(deliveryId: string) {
  await app.runtime.queue.intakeRelay.relayPending();
  return await app.runtime.queue.boss.findJobs(intakeQueueName, { data: { deliveryId } });
}

async function deliveriesWithId(id: string) {
  return await app.database.db.selectFrom("deliveries").selectAll().where("id", "=", id).execute();
}

async function auditOf(deliveryId: string) {
  return await app.database.db
    .selectFrom("audit_log")
    .selectAll()
    .where("delivery_id", "=", deliveryId)
    .execute();
}

describe("a replayed payload", () => {
  it("starts nothing when the same body comes under a new delivery id, and is audited as a replay", async () => {
    const payload = labeled();
    const first = randomUUID();
    const replay = randomUUID();

    expect(await app.deliver("issues", payload, first)).toBe(200);
    expect(await app.deliver("issues", payload, replay)).toBe(200);

    expect(await intakeJobsOf(first)).toHaveLength(1);
    expect(await intakeJobsOf(replay)).toHaveLength(0);
    expect(await deliveriesWithId(replay)).toHaveLength(0);
    const [recorded] = await deliveriesWithId(first);
    expect(recorded?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await auditOf(replay)).toMatchObject([
      {
        action: "delivery.replayed",
        repository: "Codertocat/Hello-World",
        details: expect.objectContaining({ firstDeliveryId: first, digest: recorded?.digest }),
      },
    ]);
  });

  it("still tells GitHub's Redeliver (the same id and body) from a replay: one record, one job, no replay audit", async () => {
    const payload = labeled();
    const id = randomUUID();

    expect(await app.deliver("issues", payload, id)).toBe(200);
    expect(await app.deliver("issues", payload, id)).toBe(200);

    expect(await deliveriesWithId(id)).toHaveLength(1);
    expect(await intakeJobsOf(id)).toHaveLength(1);
    expect(await auditOf(id)).toHaveLength(0);
  });

  it("takes an edited body under a new id as a new delivery", async () => {
    const payload = labeled() as { issue: { body: string } };
    const first = randomUUID();
    const edited = randomUUID();

    expect(await app.deliver("issues", payload, first)).toBe(200);
    payload.issue.body = `${payload.issue.body} (edited)`;
    expect(await app.deliver("issues", payload, edited)).toBe(200);

    expect(await intakeJobsOf(edited)).toHaveLength(1);
  });
});
