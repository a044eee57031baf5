import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../demo/wait-for.ts";
import { verifyLinearTimestamp } from "../../handlers/linear/webhook.ts";
import { loadAppContext } from "../../src/cli/app-context.ts";
import { trackerTriggerSettings } from "../../src/cli/tracker-triggers.ts";
import { UserFacingError } from "../../src/errors.ts";
import { writeTempConfig } from "../config/temp-config.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

const secret = "linear-webhook-secret-for-tests";
const configFile = path.join(import.meta.dirname, "..", "fixtures", "intake", "linear.config.yaml");
const api = "https://api.linear.app";
const repository = "Codertocat/Hello-World";
const agentUserId = "674c90c8-35ea-454d-8ca4-5548258fd795";

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "fixtures", "linear", name), "utf8"));

interface IssueUpdate {
  data: { state: { name: string }; team: { key: string }; assigneeId: string };
  updatedFrom: Record<string, unknown>;
  webhookTimestamp?: number;
}
/** The recorded Issue update of WEB-44 (a title edit), sent now. */
const recorded = fixture("webhook.issue.update.json") as IssueUpdate;

function update(edit: (body: IssueUpdate) => void, at = Date.now()): string {
  const body = structuredClone(recorded);
  body.webhookTimestamp = at;
  edit(body);
  return JSON.stringify(body);
}

/** The recorded update as a move to the trigger state: its state named so, and stateId among the changes. */
const movedToTrigger = (body: IssueUpdate) => {
  body.data.state.name = "AI Assigned";
  body.updatedFrom.stateId = "1b9b0d3e-4c1f-4a55-9a70-5e8f1c2d0a11";
};

function linearHeaders(body: string, options: { id?: string; key?: string } = {}): Record<string, string> {
  return {
    "content-type": "application/json",
    "linear-signature": createHmac("sha256", options.key ?? secret)
      .update(body)
      .digest("hex"),
    "linear-delivery": options.id ?? randomUUID(),
    "linear-event": "Issue",
  };
}

interface GraphqlBody {
  query: string;
  variables: Record<string, unknown>;
}

/** Answers one GraphQL operation by name, as many times as asked, remembering the variables. */
function operation(name: string, reply: unknown, seen: GraphqlBody[] = []) {
  nock(api)
    .persist()
    .post("/graphql", (body: GraphqlBody) => {
      if (!body.query.includes(`${name}(`)) return false;
      seen.push(body);
      return true;
    })
    .reply(200, reply as nock.Body);
  return seen;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({
    worker: true,
    executeRuns: false,
    env: { AI_DEV_CONFIG: configFile, LINEAR_WEBHOOK_SECRET: secret },
  });
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
});
afterAll(async () => {
  await app?.stop();
  nock.cleanAll();
});

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${app.url}/api/linear/webhooks`, { method: "POST", body, headers });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function count(table: "deliveries" | "runs") {
  const row = await app.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const ticketRuns = async () =>
  await app.database.db.selectFrom("runs").selectAll().where("task_key", "=", "WEB-44").execute();

describe("POST /api/linear/webhooks", () => {
  it("refuses a forged, a stale, an unstamped and an unsigned payload with 401, and records none", async () => {
    const deliveries = await count("deliveries");
    const fresh = update(movedToTrigger);
    expect(await post(fresh, linearHeaders(fresh, { key: "not-the-secret" }))).toEqual({
      status: 401,
      json: { error: "the signature does not match the body and the webhook secret" },
    });
    // The recorded body as it was sent in 2023: signed, but long past its minute.
    const stale = update(movedToTrigger, recorded.webhookTimestamp);
    expect(await post(stale, linearHeaders(stale))).toEqual({
      status: 401,
      json: { error: "the payload's webhookTimestamp is more than 60 s away from now" },
    });
    const unstamped = update((b) => {
      movedToTrigger(b);
      delete b.webhookTimestamp;
    });
    expect(await post(unstamped, linearHeaders(unstamped))).toEqual({
      status: 401,
      json: { error: "the payload has no webhookTimestamp: it cannot be told from a replay" },
    });
    const { "linear-signature": _, ...unsigned } = linearHeaders(fresh);
    expect((await post(fresh, unsigned)).status).toBe(401);
    expect(await count("deliveries")).toBe(deliveries);
    expect(await ticketRuns()).toEqual([]);
  });

  it("records a title edit and an issue of an unmapped team, and starts nothing", async () => {
    const deliveries = await count("deliveries");
    const edited = update(() => {});
    expect(await post(edited, linearHeaders(edited))).toEqual({
      status: 200,
      json: { outcome: "ignored", why: "neither moved to AI Assigned nor assigned to the agent" },
    });
    const unmapped = update((b) => {
      movedToTrigger(b);
      b.data.team.key = "OPS";
    });
    expect(await post(unmapped, linearHeaders(unmapped))).toEqual({
      status: 200,
      json: { outcome: "ignored", why: "the project OPS is not mapped to a repository" },
    });
    expect(await count("deliveries")).toBe(deliveries + 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await ticketRuns()).toEqual([]);
  });

  it("starts exactly one implement-issue run when an issue moves to the trigger state, and none for its redelivery", async () => {
    const reads = operation("query AiDevIssue", fixture("issue.json"));
    const body = update(movedToTrigger);
    const headers = linearHeaders(body);
    expect(await post(body, headers)).toEqual({ status: 200, json: { outcome: "accepted" } });
    const [run, ...others] = await waitFor(
      async () => {
        const runs = await ticketRuns();
        return runs.length > 0 ? runs : undefined;
      },
      20_000,
      "the issue's run",
    );
    expect(others).toEqual([]);
    expect(reads.map((b) => b.variables)).toEqual([{ id: "WEB-44" }]);
    expect(run).toMatchObject({
      workflow: "implement-issue",
      status: "queued",
      source: "linear",
      repository,
      installation_id: installationId,
      target_number: 44,
      task_key: "WEB-44",
    });
    const context = run?.context as { request: { label: string; snapshot: { title: string } } };
    expect(context.request.label).toBe("state AI Assigned");
    expect(context.request.snapshot.title).toMatch(/^This is regarding the outage/);

    expect(await post(body, headers)).toEqual({ status: 200, json: { outcome: "duplicate_delivery" } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await ticketRuns()).toHaveLength(1);
  });

  it("takes an assignment to the agent as a request too, and says on the issue that its run is active", async () => {
    // Each test starts with no HTTP fakes (test/support/setup.ts): the issue is read again at this trigger.
    operation("query AiDevIssue", fixture("issue.json"));
    const comments = operation("query AiDevCommentById", fixture("error.not-found.json"));
    const created = operation("mutation AiDevComment", fixture("comment-create.json"));
    const body = update((b) => {
      b.updatedFrom.assigneeId = null;
      b.data.assigneeId = agentUserId;
    });
    expect(await post(body, linearHeaders(body))).toEqual({ status: 200, json: { outcome: "accepted" } });
    await waitFor(async () => created[0], 20_000, "the comment on the issue");
    expect(comments).toHaveLength(1);
    const input = created[0]?.variables.input as { issueId: string; body: string };
    expect(input.issueId).toBe("WEB-44");
    expect(input.body).toMatch(
      /^WEB-44 already has an active `implement-issue` run, `[^`]+`: nothing new was started/,
    );
    expect(await ticketRuns()).toHaveLength(1);
  });
});

describe("Linear's webhookTimestamp", () => {
  it("accepts a payload sent within the minute, either side of now", () => {
    const now = new Date(1_681_208_213_456);
    expect(verifyLinearTimestamp({ webhookTimestamp: now.getTime() - 59_000 }, now)).toEqual({ ok: true });
    expect(verifyLinearTimestamp({ webhookTimestamp: now.getTime() + 59_000 }, now)).toEqual({ ok: true });
    expect(verifyLinearTimestamp({ webhookTimestamp: now.getTime() - 61_000 }, now).ok).toBe(false);
    expect(verifyLinearTimestamp({ webhookTimestamp: String(now.getTime()) }, now).ok).toBe(false);
  });
});

describe("Linear triggers' configuration", () => {
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
    expect(() => trackerTriggerSettings(context.loaded)).toThrow(
      /Linear plugin has triggers, but webhook_secret is not set/,
    );
  });
});
