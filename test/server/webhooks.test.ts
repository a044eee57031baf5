import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApp } from "../../src/cli/start-app.ts";
import { serverSettingsFromEnv } from "../../src/config/env.ts";
import { loadAppConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import type { StartedServer } from "../../src/server/start-server.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import { freePort } from "../support/free-port.ts";
import { testPrivateKey, webhookExample, webhookHeaders } from "../support/webhook-examples.ts";

const secret = "test-webhook-secret";
let database: TestDatabase;
let started: StartedServer;
let base: string;

beforeAll(async () => {
  database = await openTestDatabase();
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    APP_ID: "123",
    PRIVATE_KEY: testPrivateKey(),
    WEBHOOK_SECRET: secret,
    LOG_LEVEL: "silent",
  };
  const settings = serverSettingsFromEnv(env);
  const loaded = loadAppConfig({ env, cwd: "/nonexistent-dir-with-no-config" });
  started = await serveApp({ settings, loaded, log: createLogger({ level: "silent" }) }, database);
  base = `http://127.0.0.1:${started.port}`;
});

afterAll(async () => {
  await started?.server.stop();
  await database?.drop();
});

async function deliveriesWithId(id: string) {
  return await database.db.selectFrom("deliveries").selectAll().where("id", "=", id).execute();
}

async function post(body: string, headers: Record<string, string>) {
  return await fetch(`${base}/api/github/webhooks`, { method: "POST", body, headers });
}

describe("GitHub webhooks", () => {
  it("accepts a signed issues.labeled delivery and records it once, also when redelivered", async () => {
    const body = JSON.stringify(webhookExample("issues", "labeled"));
    const id = randomUUID();
    const headers = webhookHeaders("issues", body, secret, id);

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
    const { "x-hub-signature-256": _, ...unsigned } = webhookHeaders("issues", body, secret, id);
    const response = await post(body, unsigned);

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });

  it("answers a correctly signed body that is not JSON with 4xx and records nothing", async () => {
    const body = "this is { not json";
    const id = randomUUID();
    const response = await post(body, webhookHeaders("issues", body, secret, id));

    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await deliveriesWithId(id)).toHaveLength(0);
  });

  it("answers /healthz with the version and a working database", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: { ok: true }, mode: "app" });
  });
});
