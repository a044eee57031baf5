import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { labeledIssue, webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { installationId, startTestApp, type TestApp } from "../support/app-harness.ts";

/**
 * `/revise continue` as the intake answers it: which run it continues, on which branch, and the words
 * it says when there is nothing to continue. Runs stay queued; test/e2e/turn-limit-continue.test.ts
 * runs one to the end.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ worker: true, executeRuns: false });
  app.github.roles.set("Codertocat", "write");
});
afterAll(async () => {
  await app?.stop();
});

const repository = "Codertocat/Hello-World";
let issue = 300;
let pullNumber = 900;
beforeEach(() => {
  issue += 1;
  pullNumber += 1;
  app.github.requests.length = 0;
});

async function deliverAndSettle(event: string, payload: unknown): Promise<void> {
  const id = randomUUID();
  expect(await app.deliver(event, payload, id)).toBe(200);
  await waitFor(
    async () => {
      const jobs = await app.runtime.queue.boss.findJobs("intake", { data: { deliveryId: id } });
      return jobs.some((job) => job.state === "completed") ? true : undefined;
    },
    20_000,
    `the intake of delivery ${id}`,
  );
}

/** GitHub's issue_comment.created example: on the pull request `number` unless `onIssue`. */
function commentOn(number: number, body: string, options: { onIssue?: boolean } = {}) {
  const payload = webhookExample("issue_comment", "created") as {
    comment: { body: string };
    issue: { number: number; pull_request?: unknown };
    installation?: { id: number };
  };
  payload.comment.body = body;
  payload.issue.number = number;
  payload.installation = { id: installationId };
  if (!options.onIssue) {
    const pull = webhookExample("pull_request", "opened").pull_request as Record<string, string>;
    payload.issue.pull_request = { url: pull.url, html_url: pull.html_url, merged_at: null };
  }
  return payload;
}

/**
 * A labeled issue whose run opened pull request `pullNumber` on `branch` and ended with its agent step's
 * outputs: what a run that stopped at its turn limit leaves in the database.
 */
async function stoppedRun(options: { incomplete: boolean; state?: "open" | "closed" }) {
  const branch = `ai/${issue}-add-a-cache`;
  await deliverAndSettle("issues", labeledIssue(issue, installationId));
  const run = await app.database.db
    .selectFrom("runs")
    .select(["id", "workflow"])
    .where("target_number", "=", issue)
    .executeTakeFirstOrThrow();
  await app.database.db
    .updateTable("runs")
    .set({ status: "succeeded", pull_request_number: pullNumber })
    .where("id", "=", run.id)
    .execute();
  const outputs = {
    branch,
    incomplete: options.incomplete,
    stop: options.incomplete ? "max_turns" : "end_turn",
    remaining: options.incomplete ? "The CLI flag is not done." : "",
    draft: options.incomplete,
  };
  await app.database.db
    .insertInto("step_runs")
    .values({
      id: randomUUID(),
      run_id: run.id,
      step_name: "develop",
      phase: "main",
      position: 2,
      kind: "agent",
      status: "succeeded",
      attempt: 1,
      idempotency_key: `${run.id}/main/develop`,
      inputs: JSON.stringify({}),
      outputs: JSON.stringify(outputs),
      error: null,
      cost_usd_micros: 0,
      finished_at: new Date(),
    })
    .execute();
  app.github.pulls.push({
    repository,
    number: pullNumber,
    head: branch,
    base: "master",
    title: "Add a cache",
    body: "",
    draft: options.incomplete,
    state: options.state ?? "open",
    requestedReviewers: [],
  });
  return { runId: run.id, branch };
}

const runsOn = (number: number) =>
  app.database.db
    .selectFrom("runs")
    .select(["id", "workflow", "inputs", "context", "target_kind", "status"])
    .where("repository", "=", repository)
    .where("target_number", "=", number)
    .orderBy("created_at")
    .execute();
const lastAnswer = () => app.github.comments().at(-1)?.body ?? "";

describe("/revise continue", () => {
  it("on the app's pull request queues the same workflow on its branch with the task, what remains and the notes", async () => {
    const stopped = await stoppedRun({ incomplete: true });
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue\nKeep the API stable"));

    const [run] = await runsOn(pullNumber);
    expect(run).toMatchObject({ workflow: "implement-issue", target_kind: "pull_request", status: "queued" });
    expect(run?.inputs).toMatchObject({
      number: issue,
      actor: "Codertocat",
      continue_branch: stopped.branch,
      continuation:
        "What the earlier run said remains:\nThe CLI flag is not done.\n\nNotes from @Codertocat, who asked to continue:\nKeep the API stable",
    });
    const context = run?.context as { request?: { kind: string; continues: unknown } } | undefined;
    expect(context?.request).toMatchObject({
      kind: "continue",
      continues: { runId: stopped.runId, pullNumber, branch: stopped.branch },
    });
    expect(lastAnswer()).toContain(
      `Continuing the unfinished work of run \`${stopped.runId}\` on \`${stopped.branch}\` (#${pullNumber})`,
    );
  });

  it("on the issue finds the pull request its run opened", async () => {
    const stopped = await stoppedRun({ incomplete: true });
    await deliverAndSettle("issue_comment", commentOn(issue, "/revise continue", { onIssue: true }));
    const runs = await runsOn(issue);
    expect(runs).toHaveLength(2);
    expect(runs[1]?.inputs).toMatchObject({ continue_branch: stopped.branch });
  });

  it("runs one continuation at a time", async () => {
    await stoppedRun({ incomplete: true });
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue"));
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue please"));
    const runs = await runsOn(pullNumber);
    expect(runs).toHaveLength(1);
    expect(lastAnswer()).toBe(
      `Run \`${runs[0]?.id}\` is already working on this task; \`/status\` shows where it is.`,
    );
  });

  it("says there is nothing to continue when the last run finished its work", async () => {
    await stoppedRun({ incomplete: false });
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue"));
    expect(await runsOn(pullNumber)).toHaveLength(0);
    expect(lastAnswer()).toContain("did not stop at a limit: there is no unfinished work to continue");
  });

  it("asks to reopen a closed pull request first", async () => {
    const stopped = await stoppedRun({ incomplete: true, state: "closed" });
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue"));
    expect(await runsOn(pullNumber)).toHaveLength(0);
    expect(lastAnswer()).toContain(
      `Pull request #${pullNumber} is closed: reopen it to continue the work on \`${stopped.branch}\`.`,
    );
  });

  it("works only on pull requests this app opened", async () => {
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue"));
    expect(await runsOn(pullNumber)).toHaveLength(0);
    expect(lastAnswer()).toContain("`/revise continue` works on pull requests that this app opened.");
  });

  it("explains what a workflow needs to continue a branch when it cannot", async () => {
    app.github.repoConfigs.set(repository, "workflows:\n  default: expensive\n");
    try {
      await stoppedRun({ incomplete: true });
      await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise continue"));
    } finally {
      app.github.repoConfigs.delete(repository);
    }
    expect(await runsOn(pullNumber)).toHaveLength(0);
    expect(lastAnswer()).toContain(
      "The workflow `expensive` that began this work declares no `continue_branch` input",
    );
  });

  it("leaves a plain /revise to the revise workflow", async () => {
    await stoppedRun({ incomplete: true });
    await deliverAndSettle("issue_comment", commentOn(pullNumber, "/revise use tabs"));
    const [run] = await runsOn(pullNumber);
    expect(run).toMatchObject({ workflow: "revise" });
    expect(run?.inputs).toMatchObject({ instructions: "use tabs" });
  });
});
