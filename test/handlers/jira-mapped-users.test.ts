import { createHmac, randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../../demo/wait-for.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";
import { fakeJiraIssue, jiraFixture, type PostedJiraComment } from "../support/fake-jira.ts";

const secret = "jira-webhook-secret-for-tests";
const configFile = path.join(import.meta.dirname, "..", "fixtures", "intake", "jira-users.config.yaml");
const site = "https://zulipp.atlassian.net";
const repository = "Codertocat/Hello-World";

interface Recorded {
  timestamp: number;
  user: { accountId: string };
  issue: { key: string; fields: Record<string, unknown> & { project: { key: string } } };
  changelog: { items: { toString: string }[] };
}
/** The recorded jira:issue_updated of TEST-1 (its user maps to Codertocat), moved to the trigger status. */
function moved(edit: (body: Recorded) => void = () => {}): string {
  const body = structuredClone(jiraFixture("webhook.issue_updated.status-change.json")) as Recorded;
  const [item] = body.changelog.items;
  if (item) item.toString = "AI Assigned";
  edit(body);
  return JSON.stringify(body);
}

/**
 * A comment_created body: Jira sends the comment (its REST representation: Jira's example comment, whose
 * author maps to `reader`) with the issue it is on (the recorded webhook's TEST-1).
 */
function commented(text: string, authorId?: string): string {
  const recorded = jiraFixture("webhook.issue_updated.status-change.json") as Recorded;
  const comment = jiraFixture("comment.json") as { body: unknown; author: { accountId: string } };
  comment.body = text;
  if (authorId) comment.author.accountId = authorId;
  return JSON.stringify({
    timestamp: recorded.timestamp,
    webhookEvent: "comment_created",
    comment,
    issue: recorded.issue,
  });
}

async function post(body: string) {
  const response = await fetch(`${app.url}/api/jira/webhooks`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-hub-signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      "x-atlassian-webhook-identifier": randomUUID(),
    },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const textOf = (comment: PostedJiraComment | undefined) => JSON.stringify(comment?.body ?? "");
const ticketRuns = async () =>
  await app.database.db.selectFrom("runs").selectAll().where("task_key", "=", "TEST-1").execute();

let app: TestApp;
let posted: PostedJiraComment[];
beforeAll(async () => {
  app = await startTestApp({
    worker: true,
    executeRuns: false,
    env: { AI_DEV_CONFIG: configFile, JIRA_WEBHOOK_SECRET: secret },
  });
  app.github.installations.set(repository, installationId);
  app.github.repositories.set(repository, { defaultBranch: "main", cloneUrl: "http://unused.invalid/x.git" });
  app.github.roles.set("Codertocat", "write");
  app.github.roles.set("reader", "read");
});
afterAll(async () => {
  await app?.stop();
});
beforeEach(() => {
  const recorded = jiraFixture("webhook.issue_updated.status-change.json") as Recorded;
  posted = fakeJiraIssue(site, { key: recorded.issue.key, fields: recorded.issue.fields }).posted;
});

describe("Jira triggers with users mapped to GitHub logins", () => {
  it("starts nothing for a mover nobody mapped", async () => {
    const body = moved((b) => {
      b.user.accountId = "557058:unmapped-person";
    });
    expect(await post(body)).toEqual({
      status: 200,
      json: { outcome: "ignored", why: "the person who moved the ticket is not mapped to a GitHub login" },
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await ticketRuns()).toEqual([]);
  });

  it("refuses a mover whose login cannot write to the repository, and says so on the ticket", async () => {
    const body = moved((b) => {
      b.user.accountId = "5b10a2844c20165700ede21g";
    });
    expect((await post(body)).json).toEqual({ outcome: "accepted" });
    await waitFor(async () => posted[0], 20_000, "the refusal on the ticket");
    expect(textOf(posted[0])).toContain(
      "mapped to the GitHub login @reader, whose role on Codertocat/Hello-World is read. Only people with write access can start work",
    );
    expect(await ticketRuns()).toEqual([]);
  });

  it("starts the run as the mover's GitHub login, and answers /status and /cancel from the ticket's comments", async () => {
    expect((await post(moved())).json).toEqual({ outcome: "accepted" });
    const [run] = await waitFor(
      async () => {
        const runs = await ticketRuns();
        return runs.length > 0 ? runs : undefined;
      },
      20_000,
      "the ticket's run",
    );
    expect(run).toMatchObject({ actor: "Codertocat", source: "jira", status: "queued" });
    const permission = app.github.requests.find((r) =>
      r.path.endsWith("/repos/Codertocat/Hello-World/collaborators/Codertocat/permission"),
    );
    expect(permission?.method).toBe("GET");

    // Codertocat's own comment: its author is the recorded webhook's user.
    expect((await post(commented("/status", "99:b8d8a054-2e12-4839-bd5f-5f2b7c5f5e3a"))).json).toEqual({
      outcome: "accepted",
    });
    await waitFor(async () => posted[0], 20_000, "the answer to /status");
    expect(textOf(posted[0])).toContain(run?.id);
    expect(textOf(posted[0])).toContain("queued");

    // reader may look but not stop the work.
    expect((await post(commented("/cancel"))).json).toEqual({ outcome: "accepted" });
    await waitFor(async () => posted[1], 20_000, "the answer to /cancel");
    expect(textOf(posted[1])).toContain("@reader, whose role on Codertocat/Hello-World is read");
    expect((await ticketRuns())[0]?.status).toBe("queued");

    expect((await post(commented("/cancel", "99:b8d8a054-2e12-4839-bd5f-5f2b7c5f5e3a"))).json).toEqual({
      outcome: "accepted",
    });
    await waitFor(async () => posted[2], 20_000, "the answer to the second /cancel");
    expect(textOf(posted[2])).toMatch(new RegExp(`"Cancelling "\\},\\{"type":"text","text":"${run?.id}"`));
    expect((await ticketRuns())[0]?.status).toBe("cancelled");
  });

  it("queues a revision of the ticket's pull request for /revise, on that pull request's branch", async () => {
    const [run] = await ticketRuns();
    if (!run) throw new Error("the earlier test's run is gone");
    // As the run's progress recorded it once its open_pr step opened the pull request.
    app.github.pulls.push({
      repository,
      number: 12,
      head: "ai/TEST-1-fix-that",
      base: "main",
      title: "Fix that",
      body: "Closes TEST-1",
      draft: false,
      state: "open",
      requestedReviewers: [],
    });
    await app.database.db
      .updateTable("runs")
      .set({ pull_request_number: 12 })
      .where("id", "=", run.id)
      .execute();

    const comment = commented(
      "/revise keep the old name\nand say why",
      "99:b8d8a054-2e12-4839-bd5f-5f2b7c5f5e3a",
    );
    expect((await post(comment)).json).toEqual({ outcome: "accepted" });
    await waitFor(async () => posted[0], 20_000, "the answer to /revise");
    const revision = await app.database.db
      .selectFrom("runs")
      .selectAll()
      .where("workflow", "=", "revise")
      .where("repository", "=", repository)
      .where("target_number", "=", 12)
      .executeTakeFirstOrThrow();
    expect(revision).toMatchObject({ source: "github", target_kind: "pull_request", actor: "Codertocat" });
    const request = (revision.context as { request: { instructions: string; branch: string } }).request;
    expect(request).toMatchObject({
      instructions: "keep the old name\nand say why",
      branch: "ai/TEST-1-fix-that",
    });
    expect(textOf(posted[0])).toContain("Queued a revision of");
    expect(textOf(posted[0])).toContain(revision.id);
  });

  it("raises the budget of the ticket's parked run for /approve-budget, and queues it again", async () => {
    const [run] = await ticketRuns();
    if (!run) throw new Error("the earlier test's run is gone");
    // As the worker parks a run whose estimate is over its cap.
    await app.database.db
      .updateTable("runs")
      .set({ status: "waiting", finished_at: null, cancel_requested_at: null })
      .where("id", "=", run.id)
      .execute();
    const comment = commented("/approve-budget 7.50", "99:b8d8a054-2e12-4839-bd5f-5f2b7c5f5e3a");
    expect((await post(comment)).json).toEqual({ outcome: "accepted" });
    await waitFor(async () => posted[0], 20_000, "the answer to /approve-budget");
    expect(textOf(posted[0])).toContain("$7.50");
    expect((await ticketRuns())[0]?.status).toBe("queued");
  });

  it("takes no comment as a command unless it starts with one, and none from an unmapped author", async () => {
    expect((await post(commented("Looks good, /status later"))).json).toEqual({
      outcome: "ignored",
      why: "the comment is not a ticket command",
    });
    expect((await post(commented("/status", "557058:unmapped-person"))).json).toEqual({
      outcome: "ignored",
      why: "the comment's author is not mapped to a GitHub login",
    });
  });
});
