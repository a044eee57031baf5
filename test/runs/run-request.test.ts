import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunInputs } from "../../src/engine/create-run.ts";
import { loadWorkflows } from "../../src/engine/load-workflows.ts";
import { pluginCatalog } from "../../src/plugins/catalog.ts";
import { activeKeyOf, type RunRequest, triggerFacts, workflowInputs } from "../../src/runs/run-request.ts";
import { snapshotTask } from "../../src/runs/task-snapshot.ts";
import { repoRoot } from "../support/cli.ts";

const shipped = loadWorkflows({
  dir: path.join(repoRoot, "workflows"),
  promptsDir: path.join(repoRoot, "prompts"),
  catalog: pluginCatalog,
});

const trigger = {
  source: "github" as const,
  deliveryId: "d-1",
  event: "issues.labeled",
  actor: { login: "Codertocat", id: 21031067 },
  installationId: 42,
  repository: { owner: "acme", name: "app", fullName: "acme/app", defaultBranch: "trunk" },
  target: { kind: "issue" as const, number: 12, title: "Add a cache", body: "Please", url: "https://x/12" },
};
const pullTrigger = { ...trigger, target: { ...trigger.target, kind: "pull_request" as const, number: 34 } };

const requests: RunRequest[] = [
  { kind: "implement", workflow: "implement-issue", label: "ai-implement", trigger },
  { kind: "implement", workflow: "hotfix", label: "ai-implement", trigger },
  { kind: "plan", workflow: "plan", notes: "split by service", trigger },
  {
    kind: "revise",
    workflow: "revise",
    instructions: "rename x",
    branch: "ai-dev/12-abc",
    trigger: pullTrigger,
  },
];

describe("run requests become workflow inputs", () => {
  it.each(requests.map((r) => [r.workflow, r] as const))(
    "the shipped %s workflow accepts what its trigger gives",
    (name, request) => {
      const workflow = shipped.get(name);
      if (!workflow) throw new Error(`no shipped workflow ${name}`);
      const inputs = workflowInputs(Object.keys(workflow.definition.inputs), triggerFacts(request));
      expect(() => parseRunInputs(workflow.definition, inputs)).not.toThrow();
    },
  );

  it("names a GitHub issue's task owner/name#number and uses the repository's default branch", () => {
    const inputs = parseRunInputs(
      shipped.get("implement-issue")!.definition,
      workflowInputs(["task_key", "repository", "base_branch"], triggerFacts(requests[0]!)),
    );
    expect(inputs).toMatchObject({ task_key: "acme/app#12", repository: "acme/app", base_branch: "trunk" });
  });

  it.each(["implement-issue", "plan"])(
    "hands the snapshot taken at the trigger to the shipped %s workflow",
    (name) => {
      const workflow = shipped.get(name)!.definition;
      const snapshot = {
        title: "Add a cache",
        body: "Please",
        comments: [{ id: 9, author: "octocat", createdAt: "2026-12-01T10:00:00.000Z", body: "Also the CLI" }],
        takenAt: "2026-12-01T10:05:00.000Z",
      };
      const request: RunRequest = { ...requests[0]!, snapshot } as RunRequest;
      const inputs = parseRunInputs(
        workflow,
        workflowInputs(Object.keys(workflow.inputs), triggerFacts(request)),
      );
      expect(inputs).toMatchObject({
        title: "Add a cache",
        body: "Please",
        comments: "@octocat wrote on 2026-12-01T10:00:00.000Z:\nAlso the CLI",
      });
    },
  );

  it("hands /plan's notes to the shipped plan workflow", () => {
    const plan = shipped.get("plan")!.definition;
    const inputs = parseRunInputs(plan, workflowInputs(Object.keys(plan.inputs), triggerFacts(requests[2]!)));
    expect(inputs.notes).toBe("split by service");
  });

  it("gives a revision the PR, its branch and the review text", () => {
    const facts = triggerFacts(requests[3]!);
    expect(facts).toMatchObject({ pull_number: 34, branch: "ai-dev/12-abc", review_comments: "rename x" });
  });

  it("keys active work per target and workflow, and per review for revisions", () => {
    expect(activeKeyOf(requests[0]!)).toBe("github:acme/app#12:implement-issue");
    expect(activeKeyOf({ ...(requests[3] as Extract<RunRequest, { kind: "revise" }>), reviewId: 7 })).toBe(
      "github:acme/app#34:review:7",
    );
    expect(activeKeyOf(requests[3]!)).toBeNull(); // a /revise comment queues behind instead
  });

  it("gives get_task the snapshot as the run's task, comments after the body", () => {
    const snapshot = {
      title: "Add a cache",
      body: "Please",
      comments: [{ id: 9, author: "octocat", createdAt: "2026-12-01T10:00:00.000Z", body: "Also the CLI" }],
      takenAt: "2026-12-01T10:05:00.000Z",
    };
    const task = snapshotTask({ ...(requests[0] as Extract<RunRequest, { kind: "implement" }>), snapshot });
    expect(task).toEqual({
      key: "acme/app#12",
      title: "Add a cache",
      description:
        "Please\n\n---\nComments up to the trigger:\n\n@octocat wrote on 2026-12-01T10:00:00.000Z:\nAlso the CLI",
      status: "open",
      type: "issue",
      url: "https://x/12",
      labels: ["ai-implement"],
    });
    expect(snapshotTask(requests[3]!)).toBeUndefined();
  });

  it("continues the task of the run that began it, on its branch, as the same active work", () => {
    const snapshot = {
      title: "Add a cache",
      body: "Please",
      comments: [],
      takenAt: "2026-12-01T10:05:00.000Z",
    };
    const original = { ...(requests[0] as Extract<RunRequest, { kind: "implement" }>), snapshot };
    const request: RunRequest = {
      kind: "continue",
      workflow: "implement-issue",
      trigger: { ...pullTrigger, event: "issue_comment.created", actor: { login: "hubot", id: 2 } },
      notes: "Keep the API stable",
      task: original,
      continues: { runId: "run-1", pullNumber: 34, branch: "ai/12-add-a-cache", remaining: "The CLI flag." },
    };
    const workflow = shipped.get("implement-issue")!.definition;
    const inputs = parseRunInputs(
      workflow,
      workflowInputs(Object.keys(workflow.inputs), triggerFacts(request)),
    );
    expect(inputs).toMatchObject({
      task_key: "acme/app#12",
      title: "Add a cache",
      base_branch: "trunk",
      actor: "hubot",
      continue_branch: "ai/12-add-a-cache",
      continuation:
        "What the earlier run said remains:\nThe CLI flag.\n\nNotes from @hubot, who asked to continue:\nKeep the API stable",
    });
    expect(activeKeyOf(request)).toBe(activeKeyOf(original));
    expect(snapshotTask(request)).toEqual(snapshotTask(original));
  });
});
