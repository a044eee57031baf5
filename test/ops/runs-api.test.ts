import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDetailSchema, runListSchema } from "../../src/ops/list-runs.ts";
import { startTestApp, type TestApp } from "../support/app-harness.ts";
import { implementRunId, planRunId, seedRuns } from "./seed-runs.ts";

const token = "operator-token-0123456789abcdef";
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ worker: false, apiTokens: [token] });
  await seedRuns(app.database.db);
});
afterAll(async () => {
  await app?.stop();
});

async function get(path: string, authorization?: string) {
  const response = await fetch(`${app.url}${path}`, authorization ? { headers: { authorization } } : {});
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

describe("the runs API", () => {
  it.each([
    ["no token", undefined],
    ["a wrong token", "Bearer operator-token-0123456789abcdeX"],
    ["the token without the Bearer scheme", token],
  ])("answers 401 with %s and shows no run data", async (_, authorization) => {
    for (const path of ["/api/v1/runs", `/api/v1/runs/${implementRunId}`]) {
      const response = await get(path, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(JSON.stringify(response.body)).not.toContain("Hello-World");
    }
  });

  it("lists recent runs, newest first, for the bearer of the token", async () => {
    const response = await get("/api/v1/runs?limit=1", `Bearer ${token}`);
    expect(response.status).toBe(200);
    const { runs } = runListSchema.parse(response.body);
    expect(runs.map((r) => r.id)).toEqual([planRunId]);
    const all = runListSchema.parse((await get("/api/v1/runs", `Bearer ${token}`)).body);
    expect(all.runs.map((r) => r.id)).toEqual([planRunId, implementRunId]);
  });

  it("shows one run with its steps", async () => {
    const response = await get(`/api/v1/runs/${implementRunId}`, `Bearer ${token}`);
    expect(response.status).toBe(200);
    const detail = runDetailSchema.parse(response.body);
    expect(detail.run).toMatchObject({
      id: implementRunId,
      workflow: "implement-issue",
      costUsdMicros: 1_234_567,
    });
    expect(detail.steps.map((s) => s.name)).toEqual(["plan", "implement"]);
  });

  it("answers 404 for an unknown run and 400 for a limit out of range", async () => {
    const missing = await get("/api/v1/runs/no-such-run", `Bearer ${token}`);
    expect(missing).toMatchObject({ status: 404, body: { error: "no run no-such-run" } });
    for (const limit of ["0", "201", "ten"]) {
      const bad = await get(`/api/v1/runs?limit=${limit}`, `Bearer ${token}`);
      expect(bad).toMatchObject({
        status: 400,
        body: { error: "the request is invalid", fields: [{ path: "limit" }] },
      });
    }
  });

  it("leaves /healthz open", async () => {
    expect((await get("/healthz")).status).toBe(200);
  });
});

describe("the runs API with no token configured", () => {
  it("refuses every request", async () => {
    const bare = await startTestApp({ worker: false });
    try {
      const response = await fetch(`${bare.url}/api/v1/runs`, { headers: { authorization: "Bearer " } });
      expect(response.status).toBe(401);
      const guessed = await fetch(`${bare.url}/api/v1/runs`, {
        headers: { authorization: "Bearer undefined" },
      });
      expect(guessed.status).toBe(401);
    } finally {
      await bare.stop();
    }
  });
});
