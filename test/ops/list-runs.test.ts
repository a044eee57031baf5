import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRunDetail, listRecentRuns, runDetailSchema, runListSchema } from "../../src/ops/list-runs.ts";
import { renderJson, renderRunDetail, renderRunsTable } from "../../src/ops/render-runs.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import { implementRunId, planRunId, seedRuns } from "./seed-runs.ts";

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
  await seedRuns(database.db);
});
afterAll(async () => {
  await database?.drop();
});

describe("listing runs", () => {
  it("lists the newest run first with its trigger, target, state, cost and step counts", async () => {
    const runs = await listRecentRuns(database.db, 20);
    expect(runs.map((r) => r.id)).toEqual([planRunId, implementRunId]);
    expect(runs[1]).toMatchObject({
      trigger: { source: "github", event: "issues.labeled" },
      repository: "Codertocat/Hello-World",
      target: { kind: "issue", number: 7 },
      pullRequest: 12,
      workflow: "implement-issue",
      state: "succeeded",
      costUsdMicros: 1_234_567,
      steps: { total: 2, failed: 0 },
      createdAt: "2026-11-27T10:00:00.000Z",
    });
    expect(runs[0]).toMatchObject({ state: "failed", steps: { total: 1, failed: 1 } });
  });

  it("returns no more runs than the limit", async () => {
    expect((await listRecentRuns(database.db, 1)).map((r) => r.id)).toEqual([planRunId]);
  });

  it("prints a table a person can read", async () => {
    const text = renderRunsTable(await listRecentRuns(database.db, 20));
    const [header, first, second] = text.trimEnd().split("\n");
    expect(header).toMatch(
      /^ID\s+CREATED\s+TRIGGER\s+REPOSITORY\s+TARGET\s+WORKFLOW\s+STATE\s+STEPS\s+COST$/,
    );
    expect(first).toContain(planRunId);
    expect(first).toMatch(/PR #12\s+plan-issue\s+failed\s+1 \(1 failed\)\s+\$0\.0050$/);
    expect(second).toContain("2026-11-27 10:00:00");
    expect(second).toMatch(/github issues\.labeled\s+Codertocat\/Hello-World\s+issue #7 -> PR #12/);
    expect(second).toMatch(/implement-issue\s+succeeded\s+2\s+\$1\.23$/);
  });

  it("says so when there are no runs", () => {
    expect(renderRunsTable([])).toBe("no runs yet\n");
  });

  it("prints the same data as JSON with --json", async () => {
    const runs = await listRecentRuns(database.db, 20);
    expect(runListSchema.parse(JSON.parse(renderJson({ runs })))).toEqual({ runs });
  });
});

describe("showing a run", () => {
  it("shows the run and its steps in the order they ran", async () => {
    const detail = await getRunDetail(database.db, implementRunId);
    expect(detail?.run).toMatchObject({ id: implementRunId, state: "succeeded" });
    expect(detail?.steps).toEqual([
      expect.objectContaining({
        name: "plan",
        kind: "ai_action",
        state: "succeeded",
        costUsdMicros: 1_000_000,
      }),
      expect.objectContaining({ name: "implement", kind: "agent", state: "succeeded", attempt: 1 }),
    ]);
    const text = renderRunDetail(detail!);
    expect(text).toContain(`run:        ${implementRunId}`);
    expect(text).toContain("cost:       $1.23");
    expect(text).toMatch(/1\s+plan\s+main\s+ai_action\s+succeeded\s+1\s+\$1\.00\s+2026-11-27 10:00:01\s+3s/);
    expect(text).toMatch(/2\s+implement\s+main\s+agent\s+succeeded/);
  });

  it("shows why a run failed, with outside text unable to drive the terminal", async () => {
    const text = renderRunDetail((await getRunDetail(database.db, planRunId))!);
    expect(text).toContain("error:      step draft-plan failed");
    expect(text).toContain("#1 draft-plan: model said \\u001b[31mno");
    expect(text).not.toContain("\u001b");
  });

  it("prints the same data as JSON with --json", async () => {
    const detail = await getRunDetail(database.db, planRunId);
    expect(runDetailSchema.parse(JSON.parse(renderJson(detail)))).toEqual(detail);
  });

  it("finds nothing for an unknown id", async () => {
    expect(await getRunDetail(database.db, "no-such-run")).toBeUndefined();
  });
});
