import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun, listStepRuns } from "../../src/engine/run-store.ts";
import { PartialEffectError } from "../../src/errors.ts";
import { renderProgressComment } from "../../src/runs/progress-comment.ts";
import { pullRequestOf } from "../../src/runs/run-reporter.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import {
  recordingAdapters,
  recordingAgents,
  recordingModel,
  shippedWorkflows,
} from "./support/recording-ports.ts";
import { startRun } from "./support/start-run.ts";

// Rollback never destroys delivered work, on the shipped workflows with recording adapters.
const workflows = shippedWorkflows();

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const prModel = () =>
  recordingModel(() => ({ json: { title: "Add a dark mode toggle", body: "## What\nA toggle." } })).model;

const developer = () =>
  recordingAgents(() => ({
    branch: "ai/proj-1-dark-mode",
    summary: "Added a toggle.",
    changed_files: ["a.ts"],
    // What the development agent returns besides: its checks, whether the PR opens as a draft, and
    // (empty when the work is complete) the note an incomplete pull request opens with.
    checks: "- `npm test`: passed",
    draft: false,
    incomplete_note: "",
  }));

const names = (calls: { slot: string; action: string }[]) => calls.map((c) => `${c.slot}.${c.action}`);

async function statuses(runId: string) {
  const steps = await listStepRuns(database.db, runId);
  return Object.fromEntries(steps.map((s) => [`${s.phase}:${s.stepName}`, s.status]));
}

describe("delivered work survives a later failure", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["implement-issue", { task_key: "PROJ-7", repository: "acme/app" }],
    ["hotfix", { task_key: "PROJ-7", repository: "acme/app", release_branch: "release/1.2" }],
  ];
  for (const [workflow, inputs] of cases) {
    it(`${workflow}: keeps the pull request and its branch when a later step fails, and says the failure on the PR and the task`, async () => {
      const { runId, execute } = await startRun(database.db, workflows, {
        workflow,
        inputs,
      });
      const recording = recordingAdapters({
        "task_management.update_status": (input) => {
          if (input.status === "in_review") throw new Error("Jira answered 503");
          return { task_key: input.task_key, status: input.status };
        },
      });
      const outcome = await execute({
        adapters: recording.adapters,
        model: prModel(),
        agents: developer().agents,
      });

      expect(outcome.status).toBe("failed");
      const after = names(recording.calls).slice(
        names(recording.calls).indexOf("version_control.open_pull_request"),
      );
      expect(after).not.toContain("version_control.delete_branch");
      expect(recording.callsOf("task_management.update_status").map((c) => c.input.status)).not.toContain(
        "todo",
      );
      const onPr = recording.callsOf("version_control.comment");
      expect(onPr).toHaveLength(1);
      expect(onPr[0]?.input).toMatchObject({ repository: "acme/app", number: 7 });
      expect(onPr[0]?.input.body).toContain(`could not finish run ${runId}`);
      expect(onPr[0]?.input.body).toContain("Jira answered 503");
      expect(onPr[0]?.input.body).toContain("The pull request and its branch stay as they are.");
      const onTask = recording.callsOf("task_management.add_comment");
      expect(onTask).toHaveLength(1);
      expect(onTask[0]?.input).toMatchObject({ task_key: "PROJ-7" });
      expect(onTask[0]?.input.body).toContain("https://github.com/acme/app/pull/7");
      expect(onTask[0]?.input.body).toContain("Jira answered 503");
      expect(await statuses(runId)).toMatchObject({
        "main:mark_in_progress": "succeeded",
        "main:develop": "succeeded",
        "main:open_pr": "rolled_back",
        "main:mark_in_review": "failed",
      });
      const run = await getRun(database.db, runId);
      const stepRuns = await listStepRuns(database.db, runId);
      const definition = workflows.get(workflow);
      if (!run || !definition) throw new Error("no run");
      const pullRequest = pullRequestOf(definition, stepRuns);
      expect(pullRequest).toEqual({ number: 7, url: "https://github.com/acme/app/pull/7" });
      const progress = renderProgressComment({
        appName: "ai-dev",
        run,
        stepNames: definition.definition.steps.map((s) => s.name),
        stepRuns,
        pullRequestUrl: pullRequest?.url,
      });
      expect(progress).toContain('**Stopped:** step "mark_in_review" failed: Jira answered 503');
      expect(progress).toContain("The pull request stays open: https://github.com/acme/app/pull/7");
    });
  }

  it("rolls back an agent step that pushed its branch and then failed, and a branch already gone counts as deleted", async () => {
    const { runId, execute } = await startRun(database.db, workflows, {
      workflow: "implement-issue",
      inputs: { task_key: "PROJ-8", repository: "acme/app" },
    });
    const { agents } = recordingAgents(() => {
      throw new PartialEffectError("the tests failed after the branch was pushed", {
        branch: "ai/proj-8-dark-mode",
      });
    });
    const recording = recordingAdapters({ "version_control.delete_branch": () => ({ deleted: false }) });
    const outcome = await execute({ adapters: recording.adapters, model: prModel(), agents });

    expect(outcome.status).toBe("failed");
    expect(outcome.error?.message).toContain("the tests failed after the branch was pushed");
    expect(recording.calls.slice(-2).map((c) => [`${c.slot}.${c.action}`, c.input])).toEqual([
      ["version_control.delete_branch", { repository: "acme/app", branch: "ai/proj-8-dark-mode" }],
      ["task_management.update_status", { task_key: "PROJ-8", status: "todo" }],
    ]);
    expect(await statuses(runId)).toMatchObject({
      "main:develop": "rolled_back",
      "rollback:develop/delete_branch": "succeeded",
      "main:mark_in_progress": "rolled_back",
    });
  });
});
