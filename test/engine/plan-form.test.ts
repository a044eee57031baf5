import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkflows } from "../../src/engine/load-workflows.ts";
import { listStepRuns } from "../../src/engine/run-store.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { formatSourceIssue, SourceValidationError } from "../../src/validation/yaml-source.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import {
  fixturePromptsDir,
  recordingAdapters,
  recordingModel,
  registryFromTexts,
} from "./support/recording-ports.ts";
import { startRun } from "./support/start-run.ts";

const planFormDir = path.join(import.meta.dirname, "fixtures", "plan-form", "workflows");
const shippedDir = path.join(import.meta.dirname, "..", "..", "workflows");
const shippedPrompts = path.join(import.meta.dirname, "..", "..", "prompts");

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof SourceValidationError) return error.issues.map(formatSourceIssue);
    throw error;
  }
  throw new Error("expected the workflow to be rejected");
}

/** Writes workflow files (and prompt files beside them) to a fresh directory and loads it. */
function loadDir(files: Record<string, string>, promptsDir = fixturePromptsDir) {
  const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-plan-form-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return { dir, load: () => loadWorkflows({ dir, promptsDir, catalog: pluginCatalog }) };
}

const header = `name: Test
inputs:
  task_key: { type: string, required: true }
steps:
`;

describe("a workflow in the plan's form", () => {
  it("loads with its title as name, its file name as id, and runs through the engine", async () => {
    const workflows = loadWorkflows({
      dir: planFormDir,
      promptsDir: fixturePromptsDir,
      catalog: pluginCatalog,
    });
    expect(workflows.names()).toEqual(["my_custom_workflow"]);
    const workflow = workflows.get("my_custom_workflow");
    expect(workflow?.definition.name).toBe("My Custom Workflow");
    expect(workflow?.definition.description).toBeUndefined();

    const { runId, execute } = await startRun(database.db, workflows, {
      workflow: "my_custom_workflow",
      inputs: { task_key: "PROJ-1", repository: "acme/app" },
      context: { actor: "octocat" },
    });
    const recording = recordingAdapters();
    const model = recordingModel(() => ({ text: "Adds a dark theme toggle." }));
    const outcome = await execute({ adapters: recording.adapters, model: model.model });
    expect(outcome.status).toBe("succeeded");

    // The plan's action names reach the adapters as the catalog's actions.
    expect(recording.calls.map((c) => `${c.slot}.${c.action}`)).toEqual([
      "task_management.get_task",
      "task_management.update_status",
      "version_control.open_pull_request",
      "task_management.add_comment",
      "task_management.create_task",
      "communication.notify",
    ]);
    // outputs: { task: "task_data" } stored get_task's task as ${task_data}.
    expect(recording.callsOf("task_management.update_status")[0]?.input).toEqual({
      task_key: "PROJ-1",
      status: "in_progress",
    });
    // The prompt file beside the workflow, rendered with {{ task.title }}.
    expect(model.requests[0]?.prompt).toContain("Task: Add a dark mode (PROJ-1)");
    expect(model.requests[0]?.system).toBe("");
    expect(recording.callsOf("version_control.open_pull_request")[0]?.input).toMatchObject({
      head: "ai/proj-1",
      title: "Add a dark mode",
      body: "Adds a dark theme toggle.",
    });
    expect(recording.callsOf("task_management.add_comment")[0]?.input.body).toBe(
      "Pull request: https://github.com/acme/app/pull/7",
    );
    expect(recording.callsOf("task_management.create_task")[0]?.input).toEqual({
      title: "Review Add a dark mode",
      description: "Check the change in https://github.com/acme/app/pull/7.",
      type: "subtask",
      parent_key: "PROJ-1",
      labels: [],
    });
    expect(recording.callsOf("communication.notify")[0]?.input.message).toBe(
      "Opened pull request 7 for PROJ-1",
    );
    const steps = await listStepRuns(database.db, runId);
    expect(steps.every((s) => s.status === "succeeded")).toBe(true);
  });

  it("knows the variables the plan's outputs form defines, and refuses what it cannot store", () => {
    const problems = problemsOf(() =>
      loadDir({
        "w.yml": `${header}  - name: fetch
    plugin: task_management
    action: get_task
    inputs: { task_key: "\${task_key}" }
    outputs: { task: task_data, title: title_text, colour: colour_var, url: "Not A Name" }
  - name: use
    type: set
    inputs: { a: "\${task_data.key} \${title_text}", b: "\${nothing_defines_this}" }
`,
      }).load(),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /w\.yml:9:60 steps\.0\.outputs\.colour: the result of step "fetch" has no field "colour"; it has: key, title, /,
      ),
      expect.stringMatching(
        /w\.yml:9:77 steps\.0\.outputs\.url: expected a variable name to store the result's "url" in/,
      ),
      expect.stringMatching(
        /w\.yml:12:55 steps\.1\.inputs\.b: unknown variable "nothing_defines_this" .*defined at this step: colour_var, task_data, task_key, title_text/,
      ),
    ]);
  });

  it("refuses a create_task subtask without its parent", () => {
    const problems = problemsOf(() =>
      loadDir({
        "w.yml": `${header}  - name: make
    plugin: task_management
    action: create_task
    inputs: { title: Write docs, type: subtask }
`,
      }).load(),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /w\.yml:8:13 steps\.0\.inputs\.parent_key: a subtask needs parent_key: the task it belongs to$/,
      ),
    ]);
  });
});

describe("prompt_template paths", () => {
  const aiStep = (template: string) => `${header}  - name: ask
    type: ai_action
    prompt_template: ${template}
    inputs: { title: x }
`;
  const plainPrompt = "Summarize {{ title }}\n";

  it("finds a path beside the workflow, and a bare name in the prompts directory", () => {
    const beside = loadDir({ "w.yml": aiStep("./prompts/ask.md"), "prompts/ask.md": plainPrompt }).load();
    expect(beside.get("w")?.prompts.get("./prompts/ask.md")?.variables).toEqual(["title"]);
    const named = loadDir({
      "w.yml": aiStep("classify.liquid").replace("{ title: x }", "{ title: x, body: y }"),
    }).load();
    expect(named.get("w")?.prompts.has("classify.liquid")).toBe(true);
  });

  it("refuses a path that leaves the workflow's directory and the prompts directory", () => {
    const outside = mkdtempSync(path.join(tmpdir(), "ai-dev-outside-"));
    writeFileSync(path.join(outside, "secret.txt"), "{{ title }}");
    const { dir, load } = loadDir({ "w.yml": aiStep("../../../../../../../../etc/passwd") });
    symlinkSync(path.join(outside, "secret.txt"), path.join(dir, "linked.txt"));
    expect(problemsOf(load)).toEqual([
      expect.stringMatching(
        /w\.yml:7:22 steps\.0\.prompt_template: prompt_template \.\.\/.* leaves the workflow's directory/,
      ),
    ]);
    writeFileSync(path.join(dir, "w.yml"), aiStep("./linked.txt"));
    expect(problemsOf(load)).toEqual([
      expect.stringMatching(
        /steps\.0\.prompt_template: prompt_template \.\/linked\.txt is a link that leads out of/,
      ),
    ]);
    writeFileSync(path.join(dir, "w.yml"), aiStep(path.join(outside, "secret.txt")));
    expect(problemsOf(load)).toEqual([
      expect.stringMatching(/prompt_template must be relative .*not absolute/),
    ]);
  });
});

describe("workflow ids", () => {
  const shipped = () =>
    loadWorkflows({ dir: shippedDir, promptsDir: shippedPrompts, catalog: pluginCatalog });

  it("resolves the plan's three file names to the shipped workflows", () => {
    const workflows = shipped();
    expect(workflows.get("standard_dev_workflow")?.id).toBe("implement-issue");
    expect(workflows.get("hotfix_workflow")?.id).toBe("hotfix");
    expect(workflows.get("documentation_only_workflow")?.id).toBe("documentation-only");
    expect(workflows.get("no_such_workflow")).toBeUndefined();
  });

  it("prefers an operator's own workflow file of the plan's name", () => {
    const workflows = registryFromTexts({
      "standard_dev_workflow.yml": `name: Our Standard Flow
steps:
  - name: hello
    type: set
    inputs: { x: 1 }
`,
    });
    expect(workflows.get("standard_dev_workflow")?.definition.name).toBe("Our Standard Flow");
  });
});

describe("validation", () => {
  it("reports the steps' problems too when a top-level field is wrong", () => {
    const problems = problemsOf(() =>
      loadDir({
        "w.yml": `name: Broken
triggers: [label]
inputs:
  task_key: { type: string, required: true }
steps:
  - name: fetch
    plugin: task_management
    action: get_tsk
    inputs: { task_key: "\${task_key}" }
  - name: tell
    plugin: communication
    action: send_message
    inputs: { message: "\${steps.fetch.outputs.title} \${undefined_var}" }
  - name: bad
    type: agent
`,
      }).load(),
    );
    expect(problems).toEqual([
      expect.stringMatching(/w\.yml:2:11 triggers: unknown field "triggers"$/),
      expect.stringMatching(
        /w\.yml:8:13 steps\.0\.action: unknown action "get_tsk" for plugin task_management/,
      ),
      expect.stringMatching(/w\.yml:13:24 steps\.1\.inputs\.message: unknown variable "undefined_var"/),
      expect.stringMatching(/w\.yml:14:5 steps\.2\.\w+: a agent step needs agent/),
    ]);
  });
});

describe("a step's model", () => {
  const step = (model: string) => `${header}  - name: ask
    type: ai_action
    prompt_template: summarize.liquid
    model: ${model}
    inputs: { title: x, body: y }
`;

  it("warns about a deprecated model and refuses one past its end of life", () => {
    const { dir } = loadDir({ "w.yml": step("claude-opus-4-5") });
    const before = () => new Date("2026-11-01T00:00:00Z");
    const after = () => new Date("2027-02-01T00:00:00Z");
    const loaded = loadWorkflows({
      dir,
      promptsDir: fixturePromptsDir,
      catalog: pluginCatalog,
      clock: before,
    });
    expect(loaded.warnings().map(formatSourceIssue)).toEqual([
      expect.stringMatching(
        /w\.yml:8:12 steps\.0\.model: step "ask" model claude-opus-4-5 is deprecated and reaches its end of life on 2027-01-22/,
      ),
    ]);
    expect(
      problemsOf(() =>
        loadWorkflows({ dir, promptsDir: fixturePromptsDir, catalog: pluginCatalog, clock: after }),
      ),
    ).toEqual([
      expect.stringMatching(
        /w\.yml:8:12 steps\.0\.model: step "ask" model claude-opus-4-5 reached its end of life on 2027-01-22 .*use claude-opus-4-8 instead/,
      ),
    ]);
  });
});
