import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getRun, listStepRuns } from "../../src/engine/run-store.ts";
import { createLiquid, parsePromptTemplate } from "../../src/engine/template.ts";
import { validateWorkflowFiles } from "../../src/engine/validate-command.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import {
  failingAdapters,
  recordingAdapters,
  recordingAgents,
  recordingModel,
  shippedPromptsDir,
  shippedWorkflows,
  shippedWorkflowsDir,
} from "./support/recording-ports.ts";
import { startRun } from "./support/start-run.ts";

const workflowsDir = shippedWorkflowsDir;
const promptsDir = shippedPromptsDir;
const workflows = shippedWorkflows();

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** A model that answers each prompt file with a plausible JSON answer. */
function plausibleModel() {
  return recordingModel((request) => {
    if (request.system.includes("pull request titles")) {
      return { json: { title: "Add a dark mode toggle", body: "## What\nA toggle." } };
    }
    if (request.system.includes("documentation pages"))
      return { json: { title: "Dark mode", content: "# Dark mode" } };
    if (request.system.includes("implementation plan for")) {
      return {
        json: {
          summary: "Add a theme.",
          steps: [{ title: "Add tokens", detail: "src/theme.ts" }],
          risks: [],
        },
      };
    }
    if (request.system.includes("split an implementation plan")) {
      return { json: { subtasks: [{ title: "Add tokens", description: "In src/theme.ts" }] } };
    }
    return { text: "{}" };
  });
}

const developer = () =>
  recordingAgents(() => ({
    branch: "ai/proj-1-dark-mode",
    summary: "Added a toggle.",
    changed_files: ["src/theme.ts"],
    // What the development agent returns besides: its checks, whether the PR opens as a draft, and
    // (empty when the work is complete) the note an incomplete pull request opens with.
    checks: "- `npm test`: passed",
    draft: false,
    incomplete_note: "",
  }));

describe("the shipped workflows", () => {
  it("all validate, as `ai-dev workflows validate` checks them in CI", () => {
    expect(workflows.names()).toEqual([
      "documentation-only",
      "hotfix",
      "implement-issue",
      "plan",
      "plan-approve",
      "project-create",
      "revise",
    ]);
    const result = validateWorkflowFiles([], { workflowsDir, promptsDir });
    expect(result).toEqual({ ok: true, output: expect.stringContaining("7 workflow file(s) valid") });
  });

  it("ship every prompt file, each telling the model that fenced text is data", () => {
    const liquid = createLiquid(promptsDir);
    const files = readdirSync(promptsDir).sort();
    expect(files).toEqual([
      "code-generation.liquid",
      "documentation.liquid",
      "implementation-plan.liquid",
      "plan-decomposition.liquid",
      "planning-agent.liquid",
      "pr-description.liquid",
      "revision-agent.liquid",
    ]);
    for (const file of files) {
      const text = readFileSync(path.join(promptsDir, file), "utf8");
      const template = parsePromptTemplate(liquid, text, file);
      const system = text.slice(text.indexOf("=== system ==="), text.indexOf("=== prompt ==="));
      expect(system, file).toMatch(/<untrusted-data>[\s\S]*never/i);
      expect(template.variables.length, file).toBeGreaterThan(0);
    }
  });

  it("implement-issue goes task → in progress → agent → PR → link → in review → docs → notify", async () => {
    const { runId, execute } = await startRun(database.db, workflows, {
      workflow: "implement-issue",
      inputs: { task_key: "PROJ-1", repository: "acme/app" },
    });
    const recording = recordingAdapters();
    const { model, requests } = plausibleModel();
    const { agents, runs } = developer();
    const outcome = await execute({ adapters: recording.adapters, model, agents });
    expect(outcome).toEqual({ status: "succeeded", executed: true });
    expect(recording.calls.map((c) => `${c.slot}.${c.action}`)).toEqual([
      "task_management.get_task",
      "task_management.update_status",
      "version_control.open_pull_request",
      "task_management.link_pull_request",
      "task_management.update_status",
      "documentation.update_page",
      "communication.notify",
    ]);
    expect(runs[0]).toMatchObject({
      agent: "development",
      input: { repository: "acme/app", base_branch: "main" },
    });
    expect(recording.callsOf("version_control.open_pull_request")[0]?.input).toEqual({
      repository: "acme/app",
      head: "ai/proj-1-dark-mode",
      base: "main",
      title: "Add a dark mode toggle",
      // The model's description, then what the app itself knows: the checks it ran and the task it closes.
      body: expect.stringMatching(
        /^## What\nA toggle\.\n\n## Checks run by ai-dev\n\n- `npm test`: passed\n\nCloses PROJ-1\n\n<sub>ai-dev run `[0-9a-f-]+` · model cost so far \d+\.\d\d USD<\/sub>$/,
      ),
      draft: false,
    });
    expect(requests[0]?.prompt).toContain(
      '<untrusted-data source="task description">\nUsers want a dark theme.',
    );
    // The agent reports the files (model output): they reach the prompt fenced as data.
    expect(requests[0]?.prompt).toContain(
      '<untrusted-data source="changed files">\nsrc/theme.ts\n</untrusted-data>',
    );
    expect(recording.callsOf("communication.notify")[0]?.input.message).toBe(
      "Pull request ready for review for PROJ-1: https://github.com/acme/app/pull/7",
    );
    expect((await getRun(database.db, runId))?.costUsdMicros).toBe(500_000);
  });

  it.each([
    ["plan", { task_key: "PROJ-5", repository: "acme/app" }, ["get_task", "add_comment", "notify"]],
    ["plan-approve", { task_key: "PROJ-5", repository: "acme/app" }, ["add_comment"]],
    ["project-create", { task_key: "acme/app#9", repository: "acme/app", number: 9 }, ["comment", "comment"]],
    [
      "revise",
      {
        repository: "acme/app",
        pull_number: 7,
        pull_request_title: "Dark mode",
        branch: "ai/x",
        review_comments: "Rename it",
      },
      // The revision agent replies and comments itself; the workflow only tells the team.
      ["notify"],
    ],
    ["documentation-only", { task_key: "PROJ-6" }, ["get_task", "update_page", "add_comment", "notify"]],
  ])("%s runs to the end with its prompts rendered strictly", async (workflow, inputs, actions) => {
    const { execute } = await startRun(database.db, workflows, { workflow, inputs });
    const recording = recordingAdapters();
    // The planning agent answers with its plan (drafting) or what it filed (approve: true).
    const { agents } = recordingAgents((_, input) =>
      input.approve === true
        ? {
            tasks: [],
            created_count: 1,
            comment: "Created 1 task from the approved plan:\n\n- PROJ-9: Add tokens",
          }
        : {
            summary: "Add a theme.",
            plan: { summary: "Add a theme." },
            markdown: "### Proposed plan\n\nAdd a theme.",
          },
    );
    const outcome = await execute({ adapters: recording.adapters, model: plausibleModel().model, agents });
    expect(outcome).toEqual({ status: "succeeded", executed: true });
    expect(recording.calls.map((c) => c.action).filter((a) => actions.includes(a))).toEqual(actions);
    if (workflow === "project-create") {
      expect(recording.callsOf("version_control.comment").map((c) => c.input)).toEqual([
        { repository: "acme/app", number: 9, body: "### Proposed plan\n\nAdd a theme." },
        { repository: "acme/app", number: 9, body: expect.stringMatching(/^Created 1 task/) },
      ]);
    }
    if (workflow.startsWith("plan")) {
      expect(recording.callsOf("task_management.add_comment")[0]?.input.body).toMatch(
        /^(### Proposed plan|Created 1 task)/,
      );
    }
  });

  it("implement-issue skips the docs and the notice when those plugins are not configured", async () => {
    const { runId, execute } = await startRun(database.db, workflows, {
      workflow: "implement-issue",
      inputs: { task_key: "PROJ-2", repository: "acme/app" },
    });
    const { adapters } = recordingAdapters();
    const partial = { task_management: adapters.task_management, version_control: adapters.version_control };
    const outcome = await execute({
      adapters: partial,
      model: plausibleModel().model,
      agents: developer().agents,
    });
    expect(outcome.status).toBe("succeeded");
    const skipped = (await listStepRuns(database.db, runId))
      .filter((s) => s.status === "skipped")
      .map((s) => s.stepName);
    // No one asked (no actor): no review is requested.
    expect(skipped).toEqual(["request_review", "write_docs", "update_docs", "notify"]);
  });

  it("hotfix opens its pull request into the release branch, with no docs step", async () => {
    const { execute } = await startRun(database.db, workflows, {
      workflow: "hotfix",
      inputs: { task_key: "PROJ-3", repository: "acme/app", release_branch: "release/2.4" },
    });
    const recording = recordingAdapters();
    const outcome = await execute({
      adapters: recording.adapters,
      model: plausibleModel().model,
      agents: developer().agents,
    });
    expect(outcome.status).toBe("succeeded");
    expect(recording.callsOf("version_control.open_pull_request")[0]?.input.base).toBe("release/2.4");
    expect(recording.callsOf("documentation.update_page")).toHaveLength(0);
    expect(workflows.get("hotfix")?.definition.limits?.max_cost_usd).toBeLessThan(
      workflows.get("implement-issue")?.definition.limits?.max_cost_usd ?? 0,
    );
  });

  it("implement-issue deletes the agent's branch and restores the task when opening the PR fails", async () => {
    const { execute } = await startRun(database.db, workflows, {
      workflow: "implement-issue",
      inputs: { task_key: "PROJ-4", repository: "acme/app" },
    });
    const recording = failingAdapters("version_control.open_pull_request", "GitHub answered 422");
    const outcome = await execute({
      adapters: recording.adapters,
      model: plausibleModel().model,
      agents: developer().agents,
    });
    expect(outcome.status).toBe("failed");
    expect(recording.calls.slice(-2).map((c) => [`${c.slot}.${c.action}`, c.input])).toEqual([
      ["version_control.delete_branch", { repository: "acme/app", branch: "ai/proj-1-dark-mode" }],
      ["task_management.update_status", { task_key: "PROJ-4", status: "todo" }],
    ]);
  });

  it("implement-issue continuing a branch never deletes it, and the pull request opens with the incomplete note", async () => {
    const { execute } = await startRun(database.db, workflows, {
      workflow: "implement-issue",
      inputs: {
        task_key: "PROJ-5",
        repository: "acme/app",
        continue_branch: "ai/proj-5-dark-mode",
        continuation: "What the earlier run said remains:\nthe toggle's test",
      },
    });
    const failing = failingAdapters("version_control.open_pull_request", "GitHub answered 422");
    const { agents, runs } = recordingAgents(() => ({
      branch: "ai/proj-5-dark-mode",
      summary: "Added the test.",
      changed_files: ["src/theme.test.ts"],
      checks: "- `npm test`: failed",
      draft: true,
      incomplete_note: "> **Incomplete.** The agent stopped before it finished.\n\n",
    }));
    const outcome = await execute({ adapters: failing.adapters, model: plausibleModel().model, agents });
    expect(outcome.status).toBe("failed");
    expect(runs[0]?.input).toMatchObject({
      branch: "ai/proj-5-dark-mode",
      continuation: "What the earlier run said remains:\nthe toggle's test",
      max_turns: 40,
    });
    // The branch holds work an earlier run delivered: the rollback leaves it.
    expect(failing.callsOf("version_control.delete_branch")).toHaveLength(0);
    expect(failing.callsOf("version_control.open_pull_request")[0]?.input).toMatchObject({
      head: "ai/proj-5-dark-mode",
      draft: true,
      body: expect.stringMatching(
        /^> \*\*Incomplete\.\*\* The agent stopped before it finished\.\n\n## What\n/,
      ),
    });
  });

  it("implement-issue continuing a pull request does not link it on the task again", async () => {
    const { execute } = await startRun(database.db, workflows, {
      workflow: "implement-issue",
      inputs: { task_key: "PROJ-6", repository: "acme/app", continue_branch: "ai/proj-1-dark-mode" },
    });
    const recording = recordingAdapters();
    const outcome = await execute({
      adapters: recording.adapters,
      model: plausibleModel().model,
      agents: developer().agents,
    });
    expect(outcome.status).toBe("succeeded");
    expect(recording.callsOf("version_control.open_pull_request")).toHaveLength(1);
    expect(recording.callsOf("task_management.link_pull_request")).toHaveLength(0);
  });
});
