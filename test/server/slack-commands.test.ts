import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { labeledIssue } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { verifySlackSignature } from "../../handlers/slack/signature.ts";
import { loadAppContext } from "../../src/cli/app-context.ts";
import { writeTempConfig } from "../config/temp-config.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

const fixtures = path.join(import.meta.dirname, "..", "fixtures", "slack");
const slashCommand = JSON.parse(readFileSync(path.join(fixtures, "slash_command.json"), "utf8")) as Record<
  string,
  string
>;
const vector = JSON.parse(readFileSync(path.join(fixtures, "signature_vector.json"), "utf8")) as {
  signing_secret: string;
  headers: Record<string, string>;
  body: string;
  signature: string;
};

const signingSecret = "test-signing-secret";
const slackEnv = {
  AI_DEV_CONFIG: path.join(import.meta.dirname, "..", "fixtures", "intake", "slack.config.yaml"),
  SLACK_SIGNING_SECRET: signingSecret,
};
/** The example's user (user_id U2147483697), mapped to Codertocat in slack.config.yaml. */
const mappedUser = slashCommand.user_id as string;
const repository = "Codertocat/Hello-World";

let app: TestApp;
beforeAll(async () => {
  // The intake worker answers; runs stay queued so the tests can look at them.
  app = await startTestApp({ worker: true, executeRuns: false, env: slackEnv });
  app.github.roles.set("Codertocat", "write");
  app.github.roles.set("reader", "read");
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
});
afterAll(async () => {
  await app?.stop();
});

let issueNumber = 900;
let triggerCount = 0;
beforeEach(() => {
  issueNumber += 1;
  app.github.issueLabels.set(`${repository}#${issueNumber}`, []);
  app.github.requests.length = 0;
});

/** The example command with another text (and user), under a new trigger_id, as Slack form-encodes it. */
function commandBody(text: string, userId = mappedUser): string {
  triggerCount += 1;
  const form = {
    ...slashCommand,
    text,
    user_id: userId,
    trigger_id: `13345224609.738474920.${triggerCount}`,
  };
  return new URLSearchParams(form).toString();
}

function slackHeaders(body: string, options: { secret?: string; at?: Date } = {}): Record<string, string> {
  const timestamp = String(Math.floor((options.at ?? new Date()).getTime() / 1000));
  const signature = createHmac("sha256", options.secret ?? signingSecret)
    .update(`v0:${timestamp}:${body}`)
    .digest("hex");
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": `v0=${signature}`,
  };
}

async function post(body: string, headers: Record<string, string> = slackHeaders(body)) {
  const response = await fetch(`${app.url}/api/slack/commands`, { method: "POST", body, headers });
  return {
    status: response.status,
    json: (await response.json()) as { response_type?: string; text?: string; error?: string },
  };
}

/** Slack's response_url (the example's), faked at the HTTP boundary: what the app answers there later. */
function responseUrl() {
  const replies: { response_type: string; replace_original: boolean; text: string }[] = [];
  nock("https://hooks.slack.com")
    .persist()
    .post("/commands/1234/5678", (body: (typeof replies)[number]) => {
      replies.push(body);
      return true;
    })
    .reply(200, "ok");
  return replies;
}

async function runsOf(number: number) {
  return await app.database.db
    .selectFrom("runs")
    .selectAll()
    .where("repository", "=", repository)
    .where("target_number", "=", number)
    .execute();
}

async function countOf(table: "deliveries" | "runs") {
  const row = await app.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("Slack's request signing", () => {
  it("accepts Slack's published example and refuses it with one character changed", () => {
    const input = {
      signingSecret: vector.signing_secret,
      timestamp: vector.headers["X-Slack-Request-Timestamp"],
      signature: vector.headers["X-Slack-Signature"],
      body: Buffer.from(vector.body),
      now: new Date(Number(vector.headers["X-Slack-Request-Timestamp"]) * 1000 + 60_000),
    };
    expect(verifySlackSignature(input)).toEqual({ ok: true });
    expect(
      verifySlackSignature({ ...input, body: Buffer.from(vector.body.replace("text=", "text=x")) }).ok,
    ).toBe(false);
    const sixMinutesLater = new Date(Number(input.timestamp) * 1000 + 6 * 60_000);
    expect(verifySlackSignature({ ...input, now: sixMinutesLater })).toEqual({
      ok: false,
      reason: "the request's timestamp is more than 5 minutes away from now",
    });
  });
});

describe("POST /api/slack/commands", () => {
  it("refuses a forged, a stale and an unsigned command with 401, and records none of them", async () => {
    const deliveries = await countOf("deliveries");
    const body = commandBody(`implement ${repository}#${issueNumber}`);
    const forged = await post(body, slackHeaders(body, { secret: "not-the-secret" }));
    expect(forged).toEqual({
      status: 401,
      json: { error: "the signature does not match the body and the signing secret" },
    });
    const stale = await post(body, slackHeaders(body, { at: new Date(Date.now() - 6 * 60_000) }));
    expect(stale.status).toBe(401);
    expect(stale.json.error).toContain("more than 5 minutes");
    const unsigned = await post(body, { "content-type": "application/x-www-form-urlencoded" });
    expect(unsigned.status).toBe(401);
    expect(await countOf("deliveries")).toBe(deliveries);
    expect(await runsOf(issueNumber)).toEqual([]);
  });

  it("tells an unmapped Slack user who to ask, and records nothing", async () => {
    const deliveries = await countOf("deliveries");
    const answer = await post(commandBody(`implement ${repository}#${issueNumber}`, "U0NOBODY01"));
    expect(answer.status).toBe(200);
    expect(answer.json.response_type).toBe("ephemeral");
    expect(answer.json.text).toContain("Your Slack user (U0NOBODY01) is not mapped to a GitHub login");
    expect(answer.json.text).toContain("plugins.communication.config.slash_commands.users");
    expect(await countOf("deliveries")).toBe(deliveries);
  });

  it("starts implement-issue for a mapped write user as a label would, and answers at the response_url", async () => {
    const replies = responseUrl();
    const number = issueNumber;
    const body = commandBody(`implement ${repository}#${number}`);
    const answer = await post(body);
    expect(answer).toEqual({
      status: 200,
      json: {
        response_type: "ephemeral",
        text: `Received: ${repository}#${number} for @Codertocat. GitHub is asked whether you may start work there; the answer comes here in a moment.`,
      },
    });
    // Recorded before the answer.
    const delivery = await app.database.db
      .selectFrom("deliveries")
      .selectAll()
      .where("id", "like", "slack:%")
      .where("repository", "=", repository)
      .orderBy("received_at", "desc")
      .executeTakeFirstOrThrow();
    expect(delivery).toMatchObject({ source: "slack", event: "slash_command.implement" });

    const reply = await waitFor(async () => replies[0], 20_000, "the answer at the response_url");
    const [run, ...others] = await runsOf(number);
    expect(others).toEqual([]);
    expect(reply).toEqual({
      response_type: "ephemeral",
      replace_original: false,
      text: `Started \`implement-issue\` on ${repository}#${number} as run \`${run?.id}\`, for @Codertocat. Its progress comment is on the issue: https://github.com/Codertocat/Hello-World/issues/1`,
    });
    expect(run).toMatchObject({
      workflow: "implement-issue",
      status: "queued",
      source: "github",
      actor: "Codertocat",
      delivery_id: delivery.id,
      active_key: `github:${repository}#${number}:implement-issue`,
    });
    const request = (run?.context as { request?: Record<string, unknown> } | undefined)?.request;
    expect(request).toMatchObject({
      kind: "implement",
      label: "ai-implement",
      trigger: { event: "slack.slash_command", installationId, repository: { defaultBranch: "main" } },
      snapshot: { title: "Spelling error in the README file", comments: [] },
    });
    const jobs = await app.runtime.queue.boss.findJobs("runs", { data: { runId: run?.id } });
    expect(jobs).toHaveLength(1);
    // Who may was asked of GitHub, through the repository's installation; the issue heard nothing.
    const asked = app.github.requests.map((r) => `${r.method} ${r.path}`);
    expect(asked).toContain(`GET /repos/${repository}/installation`);
    expect(asked).toContain(`GET /repos/${repository}/collaborators/Codertocat/permission`);
    expect(app.github.comments()).toEqual([]);

    // Slack sends the same request again: recognised by its trigger_id, nothing more happens.
    const retried = await post(body, { ...slackHeaders(body), "x-slack-retry-num": "1" });
    expect(retried.json.text).toBe(
      `Already received: ${repository}#${number} is being looked at; the answer comes here.`,
    );
    expect(await runsOf(number)).toHaveLength(1);
    expect(replies).toHaveLength(1);
  });

  it("tells a read-only user why nothing starts, in Slack only", async () => {
    const replies = responseUrl();
    const answer = await post(commandBody(`implement ${repository}#${issueNumber}`, "U0READONLY1"));
    expect(answer.json.text).toContain("for @reader");
    const reply = await waitFor(async () => replies[0], 20_000, "the refusal at the response_url");
    expect(reply.text).toBe(
      `You are mapped to the GitHub login @reader, whose role on ${repository} is read: only people with write access can ask AI Dev (test) for work. Ask a maintainer to start ${repository}#${issueNumber}.`,
    );
    expect(await runsOf(issueNumber)).toEqual([]);
    expect(app.github.comments()).toEqual([]);
  });

  it("joins the run a label already started on the issue instead of starting a second", async () => {
    const number = issueNumber;
    expect(await app.deliver("issues", labeledIssue(number, installationId))).toBe(200);
    const [labeled] = await waitFor(
      async () => {
        const runs = await runsOf(number);
        return runs.length > 0 ? runs : undefined;
      },
      20_000,
      "the label's run",
    );
    const replies = responseUrl();
    await post(commandBody(`implement ${repository}#${number}`));
    const reply = await waitFor(async () => replies[0], 20_000, "the answer at the response_url");
    expect(reply.text).toContain(
      `${repository}#${number} already has an active \`implement-issue\` run, \`${labeled?.id}\`: nothing new was started.`,
    );
    expect(await runsOf(number)).toHaveLength(1);
  });

  it("says when the app is not installed on the repository", async () => {
    const replies = responseUrl();
    await post(commandBody("implement octo-org/elsewhere#3"));
    const reply = await waitFor(async () => replies[0], 20_000, "the answer at the response_url");
    expect(reply.text).toBe(
      "AI Dev (test) is not installed on octo-org/elsewhere, or there is no such repository: install the GitHub App there first.",
    );
  });

  it("answers /ai-dev status with the active runs, and anything else with the usage", async () => {
    const number = issueNumber;
    expect(await app.deliver("issues", labeledIssue(number, installationId))).toBe(200);
    const [run] = await waitFor(
      async () => {
        const runs = await runsOf(number);
        return runs.length > 0 ? runs : undefined;
      },
      20_000,
      "the label's run",
    );
    const status = await post(commandBody("status"));
    expect(status.json.response_type).toBe("ephemeral");
    expect(status.json.text).toMatch(/^Active runs:\n• `/);
    expect(status.json.text).toContain(
      `• \`${run?.id}\` implement-issue on ${repository}#${number}: queued, $0.00`,
    );

    const usage = await post(commandBody("deploy everything"));
    expect(usage.json.text).toBe(
      '"deploy everything" is not a command. Usage: `/weather status` lists the active runs; `/weather implement owner/repo#12` starts work on that issue, as its label would.',
    );
  });
});

describe("starting with /ai-dev enabled", () => {
  it("refuses to start without the Slack signing secret, saying where to set it", () => {
    const file = writeTempConfig(
      [
        "plugins:",
        "  communication:",
        "    provider: slack",
        "    enabled: true",
        "    config:",
        "      connection: { bot_token: xoxb-test-token }",
        '      channel: "#ai-dev"',
        "      slash_commands: { users: { U2147483697: octocat } }",
        "",
      ].join("\n"),
    );
    expect(() => loadAppContext({ AI_DEV_CONFIG: file, LOG_LEVEL: "silent" })).toThrow(
      /plugins\.communication\.config\.connection\.signing_secret: slash_commands needs the Slack app's signing secret/,
    );
    // Named through the environment but not set there: the same refusal, naming the variable.
    expect(() => loadAppContext({ AI_DEV_CONFIG: slackEnv.AI_DEV_CONFIG, LOG_LEVEL: "silent" })).toThrow(
      /environment variable SLACK_SIGNING_SECRET is not set/,
    );
  });
});
