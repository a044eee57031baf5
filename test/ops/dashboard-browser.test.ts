import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ScriptedAnthropic,
  startScriptedAnthropic,
} from "../../demo/stand-ins/scripted-anthropic/server.ts";
import { labeledIssue } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { finishRun, finishStepRun, insertRun, jsonParam, startStepRun } from "../../src/engine/run-store.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const chromiumPath = "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(`dashboard browser test skipped: no Chromium at ${chromiumPath} (apt-get install chromium)`);
}
const artifacts = path.join(import.meta.dirname, "..", "..", "test-artifacts");
const operator = "operator-token-0123456789abcdef";

const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  app = await startTestApp({ worker: false, apiTokens: [operator] });
  // launch() gives the browser a fresh profile of its own and removes it on close.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe.skipIf(!hasChromium)("the dashboard watching a real run in headless Chromium", () => {
  let engineApp: TestApp | undefined;
  let model: ScriptedAnthropic | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await engineApp?.stop();
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows a run the engine executes go queued → running → succeeded, live, while the model's answer is held", async () => {
    // One run at a time: the first run holds the only slot while its model call waits, so the second
    // stays queued on the page until the test lets the first one finish.
    dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-dashboard-"));
    const config = path.join(dir, "ai-dev.config.yaml");
    writeFileSync(
      config,
      [
        "system:",
        "  max_concurrent_agents: 1",
        "workflows:",
        `  config_dir: ${path.join(import.meta.dirname, "..", "fixtures", "intake", "workflows")}`,
      ].join("\n"),
    );
    model = await startScriptedAnthropic();
    let releaseFirst = () => {};
    let releaseSecond = () => {};
    const reply = anthropicFixture("messages.end_turn.cache.json");
    model.push(
      { reply, heldUntil: new Promise<void>((resolve) => (releaseFirst = resolve)) },
      { reply, heldUntil: new Promise<void>((resolve) => (releaseSecond = resolve)) },
    );
    engineApp = await startTestApp({
      worker: true,
      apiTokens: [operator],
      env: {
        AI_DEV_CONFIG: config,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: "sk-ant-dashboard-test",
      },
    });
    const current = engineApp;
    current.github.roles.set("Codertocat", "write");
    current.github.repoConfigs.set("Codertocat/Hello-World", "workflows:\n  default: ask-model-brief\n");
    const created = await fetch(`${current.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "watcher", scopes: ["read"] }),
    });
    const { token } = (await created.json()) as { token: string };
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${current.url}/dashboard`);
    await page.locator("#token").fill(token);
    await page.locator("#login-form button").click();
    await page.locator("#live[data-state='on']").waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    const runOf = (number: number) =>
      waitFor(
        async () =>
          (
            await current.database.db
              .selectFrom("runs")
              .select("id")
              .where("target_number", "=", number)
              .executeTakeFirst()
          )?.id,
        20_000,
        `the run of #${number}`,
      );
    expect(await current.deliver("issues", labeledIssue(501, installationId))).toBe(200);
    const first = page.locator(`tr[data-run='${await runOf(501)}']`);
    await first.locator(".state[data-state='running']").waitFor();
    expect(await current.deliver("issues", labeledIssue(502, installationId))).toBe(200);
    const secondId = await runOf(502);
    const second = page.locator(`tr[data-run='${secondId}']`);
    await second.locator(".state[data-state='queued']").waitFor();
    await second.click();
    await page.locator("#run-state[data-state='queued']").waitFor();

    releaseFirst();
    await first.locator(".state[data-state='succeeded']").waitFor();
    await page.locator("#run-state[data-state='running']").waitFor();
    await page.locator("tr[data-step='plan'] .state[data-state='running']").waitFor();
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "dashboard-real-run-running.png"), fullPage: true });

    releaseSecond();
    await page.locator("#run-state[data-state='succeeded']").waitFor();
    await page.locator("tr[data-step='plan'] .state[data-state='succeeded']").waitFor();
    await second.locator(".state[data-state='succeeded']").waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    // The cost the page shows is the ledger's, for the model call the engine made.
    const cost = await current.database.db
      .selectFrom("runs")
      .select("cost_usd_micros")
      .where("id", "=", secondId)
      .executeTakeFirstOrThrow();
    expect(Number(cost.cost_usd_micros)).toBeGreaterThan(0);
    expect(await second.locator("td").nth(5).textContent()).toBe(
      `$${(Number(cost.cost_usd_micros) / 1e6).toFixed(2)}`,
    );
    expect(model.requests).toHaveLength(2);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, "dashboard-real-run.png"), fullPage: true });
    await page.close();
  }, 120_000);
});

describe.skipIf(!hasChromium)("the dashboard in headless Chromium", () => {
  it("logs in with a token and watches a run go from queued to done live, without a reload", async () => {
    const created = await fetch(`${app.url}/api/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${operator}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "dashboard", scopes: ["read"] }),
    });
    const { token } = (await created.json()) as { token: string };
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("dialog", (dialog) => {
      problems.push(`a dialog opened: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${app.url}/dashboard`);
    await page.locator("#token").fill(token);
    await page.locator("#login-form button").click();
    await page.locator("#board").waitFor({ state: "visible" });
    expect(page.url()).toBe(`${app.url}/dashboard`); // the token went in a header, never in the URL
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === "aidev_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });
    await page.locator("#live[data-state='on']").waitFor();
    // Gone on any reload: proof that what follows arrived over the event stream.
    await page.evaluate(() => {
      (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    // The scripted run: written to the database step by step, as a worker process would.
    const db = app.database.db;
    const runId = "da5b0a2d-0000-4000-8000-000000000001";
    await insertRun(db, {
      id: runId,
      workflow: "implement-issue",
      inputs: {},
      context: {
        request: {
          trigger: {
            source: "github",
            event: "issues.labeled",
            target: { url: "https://github.com/Codertocat/Hello-World/issues/7" },
          },
        },
      },
      now: new Date(),
    });
    await db
      .updateTable("runs")
      .set({ source: "github", repository: "Codertocat/Hello-World", target_kind: "issue", target_number: 7 })
      .where("id", "=", runId)
      .execute();
    const row = page.locator(`tr[data-run='${runId}']`);
    await row.locator(".state[data-state='queued']").waitFor();
    await row.click();
    await page.locator("#run-state[data-state='queued']").waitFor();

    const fence = { runId, epoch: 0 };
    await db
      .updateTable("runs")
      .set({ status: "running", started_at: new Date() })
      .where("id", "=", runId)
      .execute();
    await page.locator("#run-state[data-state='running']").waitFor();
    const step = { runId, stepName: "implement", phase: "main" as const };
    await startStepRun(db, fence, {
      ...step,
      position: 0,
      kind: "agent",
      idempotencyKey: `${runId}:implement`,
      inputs: {},
      now: new Date(),
    });
    await page.locator("tr[data-step='implement'] .state[data-state='running']").waitFor();
    // A command from the model is untrusted text: it must show as text, never become markup.
    const hostile = `echo '<img src=x onerror="alert(1)">'`;
    await db
      .insertInto("agent_checkpoints")
      .values({
        run_id: runId,
        step_key: "implement",
        turn: 2,
        messages: jsonParam([]),
        diff: "",
        base_commit: null,
        state: jsonParam({
          costUsd: 0.42,
          bookkeeping: {
            events: [
              { kind: "command", command: "npm test", exitCode: 0, timedOut: false, durationMs: 800 },
              { kind: "command", command: hostile, exitCode: 0, timedOut: false, durationMs: 3 },
            ],
          },
        }),
      })
      .execute();
    await page.locator("#agents .command", { hasText: "npm test" }).waitFor();
    await finishStepRun(db, fence, {
      ...step,
      status: "succeeded",
      outputs: {},
      error: null,
      costUsdMicros: 420_000,
      now: new Date(),
    });
    await db.updateTable("runs").set({ pull_request_number: 12 }).where("id", "=", runId).execute();
    await finishRun(db, fence, { status: "succeeded", now: new Date() });
    await page.locator("#run-state[data-state='succeeded']").waitFor();
    await row.locator(".state[data-state='succeeded']").waitFor();
    await page.locator("#run-links a", { hasText: "/pull/12" }).waitFor();

    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await row.locator("td").nth(5).textContent()).toBe("$0.42");
    expect(await page.locator("#agents .command").allTextContents()).toEqual(["npm test", hostile]);
    expect(await page.locator("#agents img").count()).toBe(0);
    expect(
      await page.locator("#run-links a").evaluateAll((as) => as.map((a) => a.getAttribute("href"))),
    ).toEqual([
      "https://github.com/Codertocat/Hello-World/issues/7",
      "https://github.com/Codertocat/Hello-World/pull/12",
    ]);
    await page.locator("#chart svg rect").first().waitFor({ state: "attached" });
    expect(problems).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "dashboard.png"), fullPage: true });
    await page.close();
  });
});
