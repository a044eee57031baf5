import { randomUUID } from "node:crypto";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeliveryInfo, recordDelivery } from "../../src/runs/intake.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Counts the inserts into deliveries that reach the database. */
class InsertCounter implements KyselyPlugin {
  inserts = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    if (args.node.kind === "InsertQueryNode" && args.node.into?.table.identifier.name === "deliveries") {
      this.inserts += 1;
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

const digest = () => randomUUID().replaceAll("-", "").padEnd(64, "0");

function delivery(overrides: Partial<DeliveryInfo> = {}): DeliveryInfo {
  return {
    id: randomUUID(),
    source: "github",
    event: "issues.opened",
    installationId: 42,
    repository: "Codertocat/Hello-World",
    digest: digest(),
    ...overrides,
  };
}

/** Which of these deliveries have a row, sorted. */
async function storedIds(deliveries: readonly DeliveryInfo[]): Promise<string[]> {
  const ids = deliveries.map((d) => d.id);
  const rows = await database.db.selectFrom("deliveries").select("id").where("id", "in", ids).execute();
  return rows.map((r) => r.id).sort();
}

describe("deliveries written at the same moment", () => {
  it("share a commit, and each still learns whether it is new, a redelivery or a replay", async () => {
    const counter = new InsertCounter();
    const db = database.db.withPlugin(counter);
    const originals = Array.from({ length: 40 }, () => delivery());
    const redelivered = { ...(originals[3] as DeliveryInfo) };
    const replayed = delivery({ digest: (originals[7] as DeliveryInfo).digest as string });

    const outcomes = await Promise.all(
      [...originals, redelivered, replayed].map((d) => recordDelivery(db, d)),
    );

    expect(outcomes.slice(0, 40)).toEqual(Array(40).fill("recorded"));
    expect(outcomes[40]).toBe("duplicate_delivery");
    expect(outcomes[41]).toBe("replayed_payload");
    // The first write goes alone; the 41 that arrived while it was in flight share the next statement.
    expect(counter.inserts).toBeLessThanOrEqual(3);
    expect(await storedIds([...originals, replayed])).toEqual(originals.map((d) => d.id).sort());
    const replay = await database.db
      .selectFrom("audit_log")
      .select(["action", "delivery_id"])
      .where("delivery_id", "=", replayed.id)
      .execute();
    expect(replay).toEqual([{ action: "delivery.replayed", delivery_id: replayed.id }]);
  });

  it("fails only the delivery whose row the database refuses, not the others of its statement", async () => {
    const good = Array.from({ length: 10 }, () => delivery());
    // installation_id is a bigint column: this one cannot be written.
    const bad = delivery({ installationId: "not-a-number" as unknown as number });
    const settled = await Promise.allSettled([...good, bad].map((d) => recordDelivery(database.db, d)));

    expect(settled.slice(0, 10).map((s) => s.status)).toEqual(Array(10).fill("fulfilled"));
    expect(settled[10]?.status).toBe("rejected");
    expect(await storedIds([...good, bad])).toEqual(good.map((d) => d.id).sort());
  });
});
