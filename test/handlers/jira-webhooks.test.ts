import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../demo/wait-for.ts";
import { loadAppContext } from "../../src/cli/app-context.ts";
import { trackerTriggerSettings } from "../../src/cli/tracker-triggers.ts";
import { UserFacingError } from "../../src/errors.ts";
import { runRequestSchema, triggerFacts } from "../../src/runs/run-request.ts";
import { writeTempConfig } from "../config/temp-config.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

const secret = "jira-webhook-secret-for-tests";
const configFile = path.join(import.meta.dirname, "..", "fixtures", "intake", "jira.config.yaml");
const site = "https://zulipp.atlassian.net";
const repository = "Codertocat/Hello-World";

/** The recorded jira:issue_updated body: TEST-1 of project ABC moved To Do → In Progress. */
const recorded = JSON.parse(
  readFileSync(
    path.join(import.meta.dirname, "..", "fixtures", "jira", "webhook.issue_updated.status-change.json"),
    "utf8",
  ),
) as {
  issue: { key: string; fields: { project: { key: string } } };
  changelog: { items: { toString: string }[] };
};

/** The recorded body with its status change's target (changelog.items[0].toString) set to `status`. */
function movedTo(status: string, edit: (body: typeof recorded) => void = () => {}): string {
  const body = structuredClone(recorded);
  const [item] = body.changelog.items;
  if (item) item.toString = status;
  edit(body);
  return JSON.stringify(body);
}

function jiraHeaders(body: string, options: { id?: string; key?: string } = {}): Record<string, string> {
  const signature = createHmac("sha256", options.key ?? secret)
    .update(body)
    .digest("hex");
  return {
    "content-type": "application/json",
    "x-hub-signature": `sha256=${signature}`,
    "x-atlassian-webhook-identifier": options.id ?? randomUUID(),
  };
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    worker: true,
    executeRuns: false,
    env: { AI_DEV_CONFIG: configFile, JIRA_WEBHOOK_SECRET: secret },
  });
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
});
afterAll(async () => {
  await app?.stop();
  nock.cleanAll();
});

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${app.url}/api/jira/webhooks`, { method: "POST", body, headers });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function count(table: "deliveries" | "runs") {
  const row = await app.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const ticketRuns = async (key: string) =>
  await app.database.db.selectFrom("runs").selectAll().where("task_key", "=", key).execute();

describe("POST /api/jira/webhooks", () => {
  it("starts exactly one implement-issue run when a ticket moves to AI Assigned, and none for its redelivery", async () => {
    // The ticket is read through the Jira adapter at the trigger: Jira answers with the issue it sent.
    const read = nock(site)
      .get("/rest/api/3/issue/TEST-1")
      .query(true)
      .reply(200, { key: recorded.issue.key, fields: recorded.issue.fields });
    const body = movedTo("AI Assigned");
    const headers = jiraHeaders(body);
    expect(await post(body, headers)).toEqual({ status: 200, json: { outcome: "accepted" } });
    const [run, ...others] = await waitFor(
      async () => {
        const runs = await ticketRuns("TEST-1");
        return runs.length > 0 ? runs : undefined;
      },
      20_000,
      "the ticket's run",
    );
    expect(others).toEqual([]);
    expect(read.isDone()).toBe(true);
    expect(run).toMatchObject({
      workflow: "implement-issue",
      status: "queued",
      source: "jira",
      repository,
      installation_id: installationId,
      target_kind: "issue",
      target_number: 1,
      task_key: "TEST-1",
      actor: "jira:99:b8d8a054-2e12-4839-bd5f-5f2b7c5f5e3a",
    });
    const context = run?.context as { request: { label: string; snapshot: { title: string; body: string } } };
    expect(context.request.label).toBe("status AI Assigned");
    expect(context.request.snapshot).toMatchObject({ title: "Fix That", body: "Fix That" });
    expect(run?.inputs).toMatchObject({
      repository,
      number: 1,
      title: "Fix That",
      url: `${site}/browse/TEST-1`,
    });
    // The shipped implement-issue's task_key is the ticket's key, so its steps act on the Jira issue.
    expect(triggerFacts(runRequestSchema.parse(context.request))).toMatchObject({
      task_key: "TEST-1",
      base_branch: "main",
      // The mover is no GitHub account: nobody is asked to review or named as co-author.
      actor: "",
    });

    // Jira delivers again under the same identifier (a retry): recorded once, nothing new starts.
    expect(await post(body, headers)).toEqual({ status: 200, json: { outcome: "duplicate_delivery" } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await ticketRuns("TEST-1")).toHaveLength(1);
  });

  it("refuses a forged and an unsigned delivery with 401, and records neither", async () => {
    const deliveries = await count("deliveries");
    const body = movedTo("AI Assigned", (b) => {
      b.issue.key = "ABC-7";
    });
    const forged = await post(body, jiraHeaders(body, { key: "not-the-secret" }));
    expect(forged).toEqual({
      status: 401,
      json: { error: "the signature does not match the body and the webhook secret" },
    });
    const { "x-hub-signature": _, ...unsigned } = jiraHeaders(body);
    expect((await post(body, unsigned)).status).toBe(401);
    // A signature over another body does not sign this one.
    const other = jiraHeaders(movedTo("AI Assigned"));
    expect((await post(body, other)).status).toBe(401);
    expect(await count("deliveries")).toBe(deliveries);
    expect(await ticketRuns("ABC-7")).toEqual([]);
  });

  it("records a move to another status and a ticket of an unmapped project, and starts nothing", async () => {
    const runs = await count("runs");
    const deliveries = await count("deliveries");
    const inProgress = JSON.stringify(recorded);
    expect(await post(inProgress, jiraHeaders(inProgress))).toEqual({
      status: 200,
      json: { outcome: "ignored", why: "the status did not move to AI Assigned" },
    });
    const unmapped = movedTo("AI Assigned", (b) => {
      b.issue.fields.project.key = "ZZZ";
      b.issue.key = "ZZZ-1";
    });
    expect(await post(unmapped, jiraHeaders(unmapped))).toEqual({
      status: 200,
      json: { outcome: "ignored", why: "the project ZZZ is not mapped to a repository" },
    });
    expect(await count("deliveries")).toBe(deliveries + 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await count("runs")).toBe(runs);
  });
});

describe("Jira triggers' configuration", () => {
  it("stops the start when triggers are configured without webhook_secret", () => {
    const file = writeTempConfig(
      readFileSync(configFile, "utf8")
        .replace(/^ *webhook_secret: .*\n/m, "")
        .replace(
          "config_dir: ./workflows",
          `config_dir: ${path.join(path.dirname(configFile), "workflows")}`,
        ),
    );
    const context = loadAppContext({ AI_DEV_CONFIG: file, LOG_LEVEL: "silent" });
    expect(() => trackerTriggerSettings(context.loaded)).toThrow(UserFacingError);
    expect(() => trackerTriggerSettings(context.loaded)).toThrow(/webhook_secret is not set/);
  });
});
