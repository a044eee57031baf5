import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../demo/wait-for.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { IntakeRelay } from "../../src/queue/intake-relay.ts";
import { intakeQueueName, RunQueue } from "../../src/queue/run-queue.ts";
import { acceptTriggerEvent, type DeliveryInfo, recordDelivery, triggerOf } from "../../src/runs/intake.ts";
import { type TriggerEvent, triggerEventSchema } from "../../src/runs/trigger-event.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

const log = createLogger({ level: "silent" });
/** Long enough that no test here is rescued by the periodic sweep unless it asks for one. */
const noSweep = { sweepIntervalMs: 10 * 60_000 };

let database: TestDatabase;
let queue: RunQueue;
beforeAll(async () => {
  database = await openTestDatabase();
  queue = new RunQueue(database, { log, relay: noSweep });
  await queue.start();
});
afterAll(async () => {
  await queue?.stop();
  await database?.drop();
});

let issueNumber = 0;

/** A labeled issue, as the GitHub handler translates issues.labeled; each on an issue of its own. */
function labeledIssue(deliveryId: string): { delivery: DeliveryInfo; event: TriggerEvent } {
  issueNumber += 1;
  const event = triggerEventSchema.parse({
    kind: "label",
    label: "ai-implement",
    senderType: "User",
    trigger: {
      source: "github",
      deliveryId,
      event: "issues.labeled",
      actor: { login: "Codertocat", id: 21031067 },
      installationId: 42,
      repository: { owner: "Codertocat", name: "Hello-World", fullName: "Codertocat/Hello-World" },
      target: {
        kind: "issue",
        number: issueNumber,
        title: "Spelling error in the README file",
        body: "It looks like you accidently spelled 'commit' with two 't's.",
        url: `https://github.com/Codertocat/Hello-World/issues/${issueNumber}`,
      },
    },
  });
  const delivery: DeliveryInfo = {
    id: deliveryId,
    source: "github",
    event: "issues.labeled",
    installationId: 42,
    repository: "Codertocat/Hello-World",
    digest: randomUUID().replaceAll("-", "").padEnd(64, "0"),
  };
  return { delivery, event };
}

async function intakeJobsOf(deliveryId: string) {
  return await queue.boss.findJobs(intakeQueueName, { data: { deliveryId } });
}

async function relayedAtOf(deliveryId: string) {
  const row = await database.db
    .selectFrom("deliveries")
    .select("relayed_at")
    .where("id", "=", deliveryId)
    .executeTakeFirstOrThrow();
  return row.relayed_at;
}

describe("the webhook's intake outbox", () => {
  it("relays an accepted delivery into exactly one intake job, naming its delivery, without being asked", async () => {
    const id = randomUUID();
    const { delivery, event } = labeledIssue(id);

    expect(await acceptTriggerEvent({ db: database.db, queue }, delivery, event)).toBe("accepted");

    // The acknowledgement only woke the relay: the job appears on its own.
    const jobs = await waitFor(
      async () => ((await intakeJobsOf(id)).length > 0 ? await intakeJobsOf(id) : undefined),
      10_000,
      "the relay to queue the intake job",
    );
    expect(jobs).toHaveLength(1);
    // The trigger is written once, with the delivery; the job names the delivery the worker reads it from.
    expect(jobs[0]?.data).toEqual({ deliveryId: id });
    expect(await triggerOf(database.db, id)).toEqual(event);
    expect(await relayedAtOf(id)).toBeInstanceOf(Date);
    await queue.intakeRelay.relayPending();
    expect(await intakeJobsOf(id)).toHaveLength(1);
  });

  it("makes nothing new of a redelivery (the same id)", async () => {
    const id = randomUUID();
    const { delivery, event } = labeledIssue(id);
    expect(await acceptTriggerEvent({ db: database.db, queue }, delivery, event)).toBe("accepted");
    await queue.intakeRelay.relayPending();

    expect(await acceptTriggerEvent({ db: database.db, queue }, delivery, event)).toBe("duplicate_delivery");
    expect(await queue.intakeRelay.relayPending()).toBe(0);
    expect(await intakeJobsOf(id)).toHaveLength(1);
  });

  it("relays, once, a delivery whose process died between its commit and its relay, when the next process starts", async () => {
    const id = randomUUID();
    const { delivery, event } = labeledIssue(id);
    // The acknowledgement's commit, and then nothing: the process is gone before its relay ran.
    expect(await recordDelivery(database.db, delivery, event)).toBe("recorded");
    expect(await intakeJobsOf(id)).toHaveLength(0);
    expect(await relayedAtOf(id)).toBeNull();

    const next = new RunQueue(database, { log, relay: noSweep });
    await next.start(); // sweeps at start, without a wake or a relayPending call
    try {
      await waitFor(
        async () => ((await intakeJobsOf(id)).length > 0 ? true : undefined),
        10_000,
        "the next process's sweep to queue the intake job",
      );
    } finally {
      await next.stop();
    }
    expect(await queue.intakeRelay.relayPending()).toBe(0);
    expect(await intakeJobsOf(id)).toHaveLength(1);
    expect(await relayedAtOf(id)).toBeInstanceOf(Date);
  });

  it("relays deliveries no wake announced at its periodic sweep", async () => {
    const sweeping = new RunQueue(database, { log, relay: { sweepIntervalMs: 200 } });
    await sweeping.start();
    try {
      await sweeping.intakeRelay.relayPending(); // the sweep at start is done; the next is periodic
      const id = randomUUID();
      const { delivery, event } = labeledIssue(id);
      expect(await recordDelivery(database.db, delivery, event)).toBe("recorded");
      await waitFor(
        async () => ((await intakeJobsOf(id)).length > 0 ? true : undefined),
        10_000,
        "the periodic sweep to queue the intake job",
      );
      expect(await intakeJobsOf(id)).toHaveLength(1);
    } finally {
      await sweeping.stop();
    }
  });

  it("gives each delivery one job when relays of several processes race over the same deliveries", async () => {
    const ids = Array.from({ length: 60 }, () => randomUUID());
    for (const id of ids) {
      const { delivery, event } = labeledIssue(id);
      expect(await recordDelivery(database.db, delivery, event)).toBe("recorded");
    }
    // Three relays, as of three web processes, reading the same unrelayed rows at once (on PostgreSQL on
    // connections of their own); small batches, so each reads and queues many times.
    const relays = [1, 2, 3].map(() => new IntakeRelay(database.db, queue, { log, batchSize: 7 }));
    const relayed = await Promise.all(relays.map((relay) => relay.relayPending()));

    expect(relayed.reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (const id of ids) expect(await intakeJobsOf(id)).toHaveLength(1);
  });

  it("makes one job of a trigger queued twice: the job's id is derived from the delivery's", async () => {
    const id = randomUUID();
    expect(await queue.enqueueIntakes(database.db, [{ deliveryId: id }])).toBe(1);
    // Again, as after a crash between the job and the delivery's mark, or by a second process.
    expect(await queue.enqueueIntakes(database.db, [{ deliveryId: id }])).toBe(0);
    expect(await intakeJobsOf(id)).toHaveLength(1);
  });
});
