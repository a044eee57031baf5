import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookExample, webhookHeaders } from "../../demo/stand-ins/webhook-examples.ts";
import { startTestApp, type TestApp, webhookSecret } from "../support/app-harness.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

async function deliveriesWithId(id: string) {
  return await app.database.db.selectFrom("deliveries").selectAll().where("id", "=", id).execute();
}

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${app.url}/api/github/webhooks`, { method: "POST", body, headers });
  await response.text();
  return response;
}

describe("GitHub webhooks", () => {
  it("accepts a signed issues.labeled delivery and records it once, also when redelivered", async () => {
    const body = JSON.stringify(webhookExample("issues", "labeled"));
    const id = randomUUID();
    const headers = webhookHeaders("issues", body, webhookSecret, id);

    const first = await post(body, headers);
    const again = await post(body, headers);

    expect(first.status).toBeGreaterThanOrEqual(200);
    expect(first.status).toBeLessThan(300);
    expect(again.status).toBeLessThan(300);
    const rows = await deliveriesWithId(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: "github",
      event: "issues.labeled",
      repository: "Codertocat/Hello-World",
    });
  });

  it("refuses a delivery signed with the wrong secret and records nothing", async () => {
    const body = JSON.stringify(webhookExample("issues", "labeled"));
    const id = randomUUID();
    const response = await post(body, webhookHeaders("issues", body, "not-the-secret", id));

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });

  it("refuses a delivery without a signature and records nothing", async () => {
    const body = JSON.stringify(webhookExample("issues", "labeled"));
    const id = randomUUID();
    const { "x-hub-signature-256": _, ...unsigned } = webhookHeaders("issues", body, webhookSecret, id);
    const response = await post(body, unsigned);

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });

  it("answers a correctly signed body that is not JSON with 400 and records it as rejected", async () => {
    const body = "this is { not json";
    const id = randomUUID();
    const response = await post(body, webhookHeaders("issues", body, webhookSecret, id));

    expect(response.status).toBe(400);
    expect(await deliveriesWithId(id)).toMatchObject([{ rejected_reason: "the body is not JSON" }]);
  });

  it("answers /healthz with the version and a working database", async () => {
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: { ok: true }, mode: "app" });
  });
});
