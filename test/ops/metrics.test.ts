import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ScriptedAnthropic,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { labeledIssue } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { finishedRun } from "../support/runs.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

let app: TestApp | undefined;
let api: ScriptedAnthropic | undefined;
afterEach(async () => {
  await app?.stop();
  await api?.close();
  app = undefined;
  api = undefined;
});

let issueNumber = 900;
const labeled = () => labeledIssue(++issueNumber, installationId);

/** The scrape, parsed by a Prometheus text-format parser: a family's samples by name. */
async function scrape(current: TestApp) {
  const response = await fetch(`${current.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  const text = await response.text();
  const families = parsePrometheusTextFormat(text);
  const samples = (name: string) => families.find((f) => f.name === name)?.metrics ?? [];
  const value = (name: string, labels: Record<string, string> = {}) =>
    Number(
      samples(name).find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))?.value ?? 0,
    );
  return { text, families, samples, value };
}

describe("/metrics", () => {
  it("parses as Prometheus text, and its counters move with a run and with a budget refusal", async () => {
    api = await startScriptedAnthropic();
    api.push({ reply: anthropicFixture("messages.end_turn.cache.json") });
    app = await startTestApp({
      worker: true,
      env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: "sk-ant-test-key" },
    });
    app.github.roles.set("Codertocat", "write");
    app.github.repoConfigs.set("Codertocat/Hello-World", "workflows:\n  default: ask-model-brief\n");

    const before = await scrape(app);
    expect(before.families.map((f) => `${f.name} ${f.type}`)).toEqual(
      expect.arrayContaining([
        "ai_dev_deliveries_received_total COUNTER",
        "ai_dev_deliveries_rejected_total COUNTER",
        "ai_dev_runs GAUGE",
        "ai_dev_step_duration_seconds HISTOGRAM",
        "ai_dev_model_tokens_total COUNTER",
        "ai_dev_model_cost_usd_total COUNTER",
        "ai_dev_budget_refusals_total COUNTER",
        "ai_dev_queue_jobs GAUGE",
        "ai_dev_queue_oldest_run_age_seconds GAUGE",
      ]),
    );
    expect(before.value("ai_dev_runs", { state: "succeeded" })).toBe(0);
    expect(before.value("ai_dev_deliveries_received_total", { source: "github" })).toBe(0);

    await app.deliver("issues", labeled());
    const run = await finishedRun(app.database.db, issueNumber);
    expect(run.status).toBe("succeeded");

    const after = await scrape(app);
    expect(after.value("ai_dev_deliveries_received_total", { source: "github" })).toBe(1);
    expect(after.value("ai_dev_runs", { state: "succeeded" })).toBe(1);
    const usage = anthropicFixture("messages.end_turn.cache.json").usage as {
      input_tokens: number;
      output_tokens: number;
      cache_read_input_tokens: number;
    };
    const model = { model: "claude-sonnet-5-5" };
    expect(after.value("ai_dev_model_tokens_total", { ...model, kind: "input" })).toBe(usage.input_tokens);
    expect(after.value("ai_dev_model_tokens_total", { ...model, kind: "output" })).toBe(usage.output_tokens);
    expect(after.value("ai_dev_model_tokens_total", { ...model, kind: "cache_read" })).toBe(
      usage.cache_read_input_tokens,
    );
    expect(after.value("ai_dev_model_cost_usd_total", model)).toBeCloseTo(
      Number(run.cost_usd_micros) / 1e6,
      6,
    );
    // The parser folds a labeled histogram into one sample, so its series are read from the text itself.
    const counts = [...after.text.matchAll(/^ai_dev_step_duration_seconds_count\{([^}]*)\} (\S+)$/gm)];
    const aiSteps = counts.find((m) => m[1] === 'kind="ai_action",status="succeeded"');
    expect(Number(aiSteps?.[2])).toBeGreaterThan(0);
    expect(after.text).toMatch(
      new RegExp(
        `^ai_dev_step_duration_seconds_bucket\\{le="\\+Inf",kind="ai_action",status="succeeded"\\} ${aiSteps?.[2]}$`,
        "m",
      ),
    );
    expect(after.samples("ai_dev_queue_jobs").some((s) => s.labels?.queue === "runs")).toBe(true);

    // A model call that would pass the task's cap: refused before it is sent, and counted.
    app.github.repoConfigs.set(
      "Codertocat/Hello-World",
      "limits:\n  max_cost_per_task: 0.05\nworkflows:\n  default: ask-model\n",
    );
    await app.deliver("issues", labeled());
    const refused = await finishedRun(app.database.db, issueNumber);
    expect(refused.error_code).toBe("budget_exceeded");
    const last = await scrape(app);
    expect(last.value("ai_dev_budget_refusals_total")).toBe(1);
    expect(last.value("ai_dev_runs", { state: "failed" })).toBe(1);
    expect(last.value("ai_dev_deliveries_received_total", { source: "github" })).toBe(2);
  });

  it("counts a rejected delivery, and shows a run waiting in the queue with its depth and age", async () => {
    // The intake answers, but no worker takes runs: the run waits in the queue for the scrape to see.
    app = await startTestApp({ worker: true, executeRuns: false });
    app.github.roles.set("Codertocat", "write");
    const before = await scrape(app);
    expect(before.value("ai_dev_deliveries_rejected_total", { source: "github" })).toBe(0);
    expect(before.value("ai_dev_queue_oldest_run_age_seconds")).toBe(0);

    // A signed body of the wrong shape (an array, not an event): recorded, refused, counted.
    expect(await app.deliver("issues", [labeled()])).toBe(400);
    await app.deliver("issues", labeled());
    const db = app.database.db;
    await waitFor(
      async () =>
        (await db.selectFrom("runs").select("id").where("status", "=", "queued").executeTakeFirst()) ??
        undefined,
      20_000,
      "the queued run",
    );
    const after = await waitFor(
      async () => {
        const current = await scrape(app as TestApp);
        // pg-boss refreshes its queue counts on its monitor's beat (a few seconds), not at each job.
        const waiting = current.value("ai_dev_queue_jobs", { queue: "runs", state: "queued" });
        return current.value("ai_dev_queue_oldest_run_age_seconds") > 0 && waiting > 0 ? current : undefined;
      },
      60_000,
      "the queue's depth and age to move",
    );
    expect(after.value("ai_dev_deliveries_rejected_total", { source: "github" })).toBe(1);
    expect(after.value("ai_dev_deliveries_received_total", { source: "github" })).toBe(2);
    expect(after.value("ai_dev_runs", { state: "queued" })).toBe(1);
    expect(after.value("ai_dev_queue_jobs", { queue: "runs", state: "queued" })).toBe(1);
  }, 90_000);

  it("answers only GET and HEAD", async () => {
    app = await startTestApp();
    const response = await fetch(`${app.url}/metrics`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});
