import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertRun } from "../../src/engine/run-store.ts";
import { budgetsOverviewSchema } from "../../src/ops/budgets-overview.ts";
import { callApi, writeApiTestConfig } from "../support/api-config.ts";
import { startTestApp, type TestApp } from "../support/app-harness.ts";
import { implementRunId, seedRuns } from "./seed-runs.ts";

const operator = "operator-token-0123456789abcdef";
const rateLimit = 25;
let app: TestApp;
let dir: string;
beforeAll(async () => {
  let config: string;
  ({ dir, config } = writeApiTestConfig("ai-dev-api-", rateLimit));
  app = await startTestApp({ worker: false, apiTokens: [operator], env: { AI_DEV_CONFIG: config } });
  await seedRuns(app.database.db);
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, route: string, token?: string, body?: unknown) =>
  callApi(app.url, method, route, token, body);

async function newToken(name: string, scopes: string[]): Promise<string> {
  const created = await call("POST", "/tokens", operator, { name, scopes });
  expect(created.status).toBe(201);
  return created.body.token as string;
}

describe("the API", () => {
  it("serves its OpenAPI document without a token, listing every route", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths).sort()).toEqual(
      [
        "/api/v1/budgets",
        "/api/v1/events",
        "/api/v1/runs",
        "/api/v1/runs/{id}/events",
        "/api/v1/session",
        "/api/v1/task/{id}/assign-to-agent",
        "/api/v1/project/create",
        "/api/v1/runs/{id}",
        "/api/v1/runs/{id}/cancel",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
      ].sort(),
    );
    expect(doc.body.components.securitySchemes.Bearer).toEqual({ type: "http", scheme: "bearer" });
  });

  it("creates a token shown once and stored as a digest, lists it without the token, and revokes it", async () => {
    const token = await newToken("ci", ["read"]);
    expect(token).toMatch(/^aidev_[\w-]{43}$/);
    const stored = await app.database.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("name", "=", "ci")
      .execute();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);
    const listed = await call("GET", "/tokens", operator);
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect(listed.body.tokens.find((t: { name: string }) => t.name === "ci")).toMatchObject({
      scopes: ["read"],
      prefix: token.slice(0, 12),
      revokedAt: null,
    });
    expect((await call("GET", "/runs", token)).status).toBe(200);
    expect((await call("DELETE", `/tokens/${stored[0]?.id}`, operator)).status).toBe(204);
    const after = await call("GET", "/runs", token);
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("answers 401 without a token or with a wrong one, on every route", async () => {
    for (const [method, route] of [
      ["GET", "/runs"],
      ["GET", `/runs/${implementRunId}`],
      ["POST", `/runs/${implementRunId}/cancel`],
      ["GET", "/budgets"],
      ["GET", "/tokens"],
    ] as const) {
      expect((await call(method, route)).status).toBe(401);
      expect((await call(method, route, "aidev_not-a-token")).status).toBe(401);
    }
  });

  it("refuses a read token on a write route with 403, and a stored token on token management", async () => {
    const reader = await newToken("dashboard", ["read"]);
    const id = await insertRun(app.database.db, {
      workflow: "implement-issue",
      inputs: {},
      context: {},
      now: new Date(),
    });
    const refused = await call("POST", `/runs/${id}/cancel`, reader);
    expect(refused).toMatchObject({ status: 403, body: { error: "this token lacks the `write` scope" } });
    const writer = await newToken("bot", ["write"]);
    expect((await call("POST", "/tokens", writer, { name: "x", scopes: ["read"] })).status).toBe(403);
    const cancelled = await call("POST", `/runs/${id}/cancel`, writer);
    expect(cancelled).toMatchObject({ status: 202, body: { runId: id, outcome: "cancelled" } });
    const again = await call("POST", `/runs/${id}/cancel`, writer);
    expect(again).toMatchObject({ status: 409, body: { error: `run ${id} has already ended (cancelled)` } });
    const audit = await app.database.db
      .selectFrom("audit_log")
      .select(["actor", "action"])
      .where("run_id", "=", id)
      .execute();
    expect(audit).toEqual([{ actor: "api:bot", action: "run.cancel_requested" }]);
  });

  it("answers 400 with each field's problem, and 404 for an unknown run or route", async () => {
    const bad = await call("POST", "/tokens", operator, { name: "", scopes: ["delete"] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("the request is invalid");
    expect(bad.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(["name", "scopes.0"]);
    const malformed = await call("POST", "/tokens", operator, "{not json");
    expect(malformed.status).toBe(400);
    expect((await call("GET", "/runs/no-such-run", operator)).body).toEqual({ error: "no run no-such-run" });
    expect((await call("GET", "/nothing-here", operator)).status).toBe(404);
    const huge = await call("POST", "/tokens", operator, { name: "x".repeat(1_100_000), scopes: ["read"] });
    expect(huge).toMatchObject({ status: 413, body: { error: "the body is over 1048576 bytes" } });
  });

  it("shows the month's budgets and the daily spend from the ledger", async () => {
    const month = new Date().toISOString().slice(0, 7);
    await app.database.db
      .insertInto("budgets")
      .values({
        scope: `repo:Codertocat/Hello-World:${month}`,
        cap_micros: 500_000_000,
        spent_micros: 1_234_567,
      })
      .execute();
    const budgets = await call("GET", "/budgets", operator);
    expect(budgets.status).toBe(200);
    const overview = budgetsOverviewSchema.parse(budgets.body);
    expect(overview.month).toBe(month);
    expect(overview.repositories).toEqual([
      { repository: "Codertocat/Hello-World", capUsd: 500, spentUsd: 1.234567, reservedUsd: 0 },
    ]);
  });

  it("answers 429 with Retry-After once a token passes its rate limit, and other tokens go on", async () => {
    const busy = await newToken("busy", ["read"]);
    const statuses: number[] = [];
    for (let i = 0; i < rateLimit + 1; i++) statuses.push((await call("GET", "/runs?limit=1", busy)).status);
    expect(statuses.slice(0, rateLimit).every((s) => s === 200)).toBe(true);
    const over = await call("GET", "/runs?limit=1", busy);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call("GET", "/runs?limit=1", await newToken("calm", ["read"]))).status).toBe(200);
  });

  /**
   * Every operation the OpenAPI document lists, with the scope it needs and an input it must refuse:
   * a route added without an entry here fails the first assertion, so none goes untested.
   */
  const longId = "x".repeat(101);
  const routes: Record<
    string,
    { scope: "read" | "write" | "admin"; bad?: { path: string; body?: unknown; fields: string[] } }
  > = {
    "GET /runs": { scope: "read", bad: { path: "/runs?limit=0", fields: ["limit"] } },
    "GET /runs/{id}": { scope: "read", bad: { path: `/runs/${longId}`, fields: ["id"] } },
    "POST /runs/{id}/cancel": { scope: "write", bad: { path: `/runs/${longId}/cancel`, fields: ["id"] } },
    "GET /runs/{id}/events": { scope: "read", bad: { path: `/runs/${longId}/events`, fields: ["id"] } },
    "GET /events": { scope: "read" },
    "GET /budgets": { scope: "read" },
    "GET /tokens": { scope: "admin" },
    "POST /tokens": {
      scope: "admin",
      bad: { path: "/tokens", body: { name: "" }, fields: ["name", "scopes"] },
    },
    // Any id is a token's id or prefix: an unknown one is a 404, not a bad input.
    "DELETE /tokens/{id}": { scope: "admin" },
    "POST /session": {
      scope: "read",
      bad: { path: "/session", body: { expiresInMinutes: 1 }, fields: ["expiresInMinutes"] },
    },
    "DELETE /session": { scope: "read" },
    "POST /task/{id}/assign-to-agent": {
      scope: "write",
      bad: { path: `/task/${encodeURIComponent("not a task")}/assign-to-agent`, fields: ["id"] },
    },
    "POST /project/create": {
      scope: "write",
      bad: {
        path: "/project/create",
        body: { description: "", requirements: [] },
        fields: ["description", "tech_stack"],
      },
    },
  };
  const concrete = (template: string) =>
    template.replace("{id}", template.startsWith("/tokens") ? "tok_unknown" : implementRunId);

  it("covers every route of the document: 401 without or with a wrong token, 403 below its scope, 400 naming the fields, 429 over the limit", async () => {
    const doc = (await call("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${p.replace("/api/v1", "")}`),
    );
    expect(operations.sort()).toEqual(Object.keys(routes).sort());
    const reader = await newToken("every-route-reader", ["read"]);
    const writer = await newToken("every-route-writer", ["write"]);
    for (const [operation, route] of Object.entries(routes)) {
      const [method = "", template = ""] = operation.split(" ");
      const target = concrete(template);
      expect((await call(method, target)).status, operation).toBe(401);
      expect((await call(method, target, "aidev_wrong-token")).status, operation).toBe(401);
      const below = route.scope === "admin" ? [reader, writer] : route.scope === "write" ? [reader] : [];
      for (const token of below) {
        const refused = await call(method, target, token, method === "POST" ? {} : undefined);
        expect(refused.status, operation).toBe(403);
        expect(refused.body.error, operation).toContain(`\`${route.scope}\` scope`);
      }
      if (route.bad) {
        const token = route.scope === "admin" ? operator : writer;
        const bad = await call(method, route.bad.path, token, route.bad.body);
        expect(bad.status, operation).toBe(400);
        expect(bad.body.fields.map((f: { path: string }) => f.path).sort(), operation).toEqual(
          route.bad.fields,
        );
      }
    }
    // One token over its limit is refused on every route, before its input is even looked at.
    const flood = await newToken("every-route-flood", ["write"]);
    for (let i = 0; i < rateLimit; i++) await call("GET", "/budgets", flood);
    for (const operation of Object.keys(routes)) {
      const [method = "", template = ""] = operation.split(" ");
      const over = await call(method, concrete(template), flood);
      expect(over.status, operation).toBe(429);
      expect(Number(over.headers.get("retry-after")), operation).toBeGreaterThan(0);
    }
  });
});
