import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckOptions } from "../../src/engine/check-workflow.ts";
import { loadWorkflowFile, loadWorkflowText } from "../../src/engine/load-workflow.ts";
import { loadWorkflowList } from "../../src/engine/load-workflows.ts";
import { createLiquid } from "../../src/engine/template.ts";
import { validateWorkflowFiles } from "../../src/engine/validate-command.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { formatSourceIssue, SourceValidationError } from "../../src/validation/yaml-source.ts";
import { fixturePromptsDir } from "./support/recording-ports.ts";

const malformedDir = path.join(import.meta.dirname, "fixtures", "malformed");
const fixture = (name: string) => path.join(malformedDir, name);

function checkOptions(): CheckOptions {
  return {
    liquid: createLiquid(fixturePromptsDir),
    catalog: pluginCatalog,
    promptsDir: fixturePromptsDir,
    promptCache: new Map(),
  };
}

/** The formatted problems of one file, as `ai-dev workflows validate` prints them. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof SourceValidationError) return error.issues.map(formatSourceIssue);
    throw error;
  }
  throw new Error("expected the workflow to be rejected");
}

const problemsOfText = (text: string) => problemsOf(() => loadWorkflowText(text, "w.yml", checkOptions()));

describe("malformed workflow files", () => {
  it("reports bad YAML with its line and column", () => {
    const [problem, ...rest] = problemsOf(() =>
      loadWorkflowFile(fixture("bad-yaml.yml.txt"), checkOptions()),
    );
    expect(problem).toMatch(new RegExp(`^${fixture("bad-yaml.yml.txt")}:8:1 .*flow`, "i"));
    expect(rest).toEqual([]);
  });

  it("reports an unknown action with the actions the plugin has", () => {
    expect(problemsOf(() => loadWorkflowFile(fixture("unknown-action.yml"), checkOptions()))).toEqual([
      `${fixture("unknown-action.yml")}:8:13 steps.0.action: unknown action "get_tsk" for plugin task_management; expected one of: get_task, update_status, add_comment, create_task, link_pull_request, create_subtasks, update_task_status (= update_status)`,
    ]);
  });

  it("reports a variable that nothing defines", () => {
    expect(problemsOf(() => loadWorkflowFile(fixture("missing-variable.yml"), checkOptions()))).toEqual([
      `${fixture("missing-variable.yml")}:11:13 steps.0.inputs.body: unknown variable "pr_url" in "pr_url"; defined at this step: task_key`,
    ]);
  });

  it("reports a duplicate step name, pointing at the second one", () => {
    expect(problemsOf(() => loadWorkflowFile(fixture("duplicate-step.yml"), checkOptions()))).toEqual([
      `${fixture("duplicate-step.yml")}:10:11 steps.1.name: duplicate step name "get_task": step 1 has the same name`,
    ]);
  });

  it("reports a reference to a step that runs later", () => {
    expect(problemsOf(() => loadWorkflowFile(fixture("later-step-reference.yml"), checkOptions()))).toEqual([
      `${fixture("later-step-reference.yml")}:11:25 steps.0.inputs.pull_request_url: "open_pr" is step 2, which runs later in "steps.open_pr.outputs.url"; a step can only read steps before it`,
    ]);
  });

  it("lists every problem of every file in a directory at once", () => {
    // The bad YAML is stored as .txt so that the linter, which also reads YAML, leaves it alone.
    const files = readdirSync(malformedDir).map((name) => path.join(malformedDir, name));
    const problems = problemsOf(() =>
      loadWorkflowList(files, { promptsDir: fixturePromptsDir, catalog: pluginCatalog }),
    );
    expect(new Set(problems.map((p) => path.basename(p.split(":")[0] as string)))).toEqual(
      new Set([
        "bad-yaml.yml.txt",
        "unknown-action.yml",
        "missing-variable.yml",
        "duplicate-step.yml",
        "later-step-reference.yml",
      ]),
    );
  });

  it("reports every problem of one file, not only the first", () => {
    const problems = problemsOfText(`name: many
description: several mistakes
inputs:
  steps: { type: string }
steps:
  - name: one
    plugin: version_control
    action: open_pull_request
    inputs: { repository: not-a-repo, head: x, base: main, colour: blue }
  - name: two
    type: ai_action
    prompt_template: summarize.liquid
    inputs: { title: x }
  - name: three
    type: ai_action
    prompt_template: nowhere.liquid
  - name: four
    type: set
    inputs: { a: "\${steps.one.outputs.nope}", b: "\${x | no_such_filter}" }
    if: "steps.three.result"
`);
    expect(problems).toEqual([
      'w.yml:4:10 inputs.steps: "steps" is reserved for expressions; choose another name',
      'w.yml:9:13 steps.0.inputs: version_control.open_pull_request needs input "title"',
      "w.yml:9:27 steps.0.inputs.repository: expected owner/name",
      'w.yml:9:68 steps.0.inputs.colour: unknown input "colour" for version_control.open_pull_request; expected: repository, head, base, title, body, draft',
      'w.yml:13:13 steps.1.inputs: prompt summarize.liquid uses the variable "body", which this step\'s inputs do not give',
      `w.yml:16:22 steps.2.prompt_template: no prompt file nowhere.liquid in ${fixturePromptsDir} or ${process.cwd()} (the workflow's directory)`,
      'w.yml:19:18 steps.3.inputs.a: steps.one.outputs has no "nope" in "steps.one.outputs.nope"; it has: number, url, created',
      "w.yml:19:50 steps.3.inputs.b: invalid expression ${x | no_such_filter}: undefined filter: no_such_filter, line:1, col:1",
      'w.yml:20:9 steps.3.if: steps.three has "outputs" and "status", not "result" in "steps.three.result"',
    ]);
  });

  it("reports schema errors with what was expected", () => {
    expect(
      problemsOfText(`name: 42
description: x
steps:
  - name: one
    type: ai_action
    agent: development
    on_error: retry
`),
    ).toEqual([
      "w.yml:1:7 name: Invalid input: expected string, received number",
      "w.yml:4:5 steps.0.prompt_template: a ai_action step needs prompt_template",
      "w.yml:6:12 steps.0.agent: agent belongs to agent steps, not ai_action steps",
      "w.yml:7:15 steps.0.on_error: on_error: retry needs retries (how many times)",
    ]);
  });
});

describe("validateWorkflowFiles", () => {
  it("says which files are valid and exits non-zero with every problem otherwise", () => {
    const good = validateWorkflowFiles(
      [path.join(import.meta.dirname, "fixtures", "resumable", "resumable.yml")],
      {
        promptsDir: fixturePromptsDir,
      },
    );
    expect(good.ok).toBe(true);
    expect(good.output).toMatch(/^ok .*resumable\.yml \(resumable\)\n1 workflow file\(s\) valid$/);

    const bad = validateWorkflowFiles([fixture("duplicate-step.yml"), fixture("unknown-action.yml")], {
      promptsDir: fixturePromptsDir,
    });
    expect(bad.ok).toBe(false);
    expect(bad.output.split("\n")).toEqual([
      expect.stringContaining("duplicate-step.yml:10:11"),
      expect.stringContaining("unknown-action.yml:8:13"),
      "2 problem(s) found",
    ]);
  });
});
