import { afterEach, describe, expect, it } from "vitest";
import { sampleRepository } from "../../demo/sample/repository.ts";
import { installationId, type SampleWorld } from "../../demo/sample-world.ts";
import { webhookExample } from "../../demo/stand-ins/webhook-examples.ts";
import { waitFor } from "../../demo/wait-for.ts";
import { endedRuns, startE2eWorld } from "../support/e2e-world.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const repository = sampleRepository.fullName;
const issueNumber = 7;

let answers = 0;
function answer(content: Record<string, unknown>[], stop: "tool_use" | "end_turn") {
  answers += 1;
  return {
    reply: {
      ...anthropicFixture("messages.tool_use.json"),
      id: `msg_plan_${String(answers).padStart(4, "0")}`,
      content,
      stop_reason: stop,
    },
  };
}
const toolUse = (name: string, input: Record<string, unknown>) =>
  answer([{ type: "tool_use", id: `toolu_plan_${answers + 1}`, name, input }], "tool_use");
const endTurn = (words: string) => answer([{ type: "text", text: words }], "end_turn");

const plan = {
  summary: "Fix the greeting and cover it with a test.",
  epics: [{ id: "E1", title: "Greeting", description: "Everything about the greeting." }],
  tasks: [
    {
      id: "T1",
      epic: "E1",
      title: "Fix the typo in greeting.txt",
      description: "greeting.txt says wrld; it should say world.",
      acceptance_criteria: ["greeting.txt says Hello, world"],
      files: ["greeting.txt"],
      size: "S",
      depends_on: [],
    },
    {
      id: "T2",
      epic: "E1",
      title: "Run test.sh in CI",
      description: "The check exists but nothing runs it.",
      acceptance_criteria: ["CI fails when greeting.txt has a typo"],
      files: ["test.sh"],
      size: "M",
      depends_on: ["T1"],
    },
  ],
  risks: ["None beyond the typo."],
  open_questions: ["Which CI does the project use?"],
};

let comments = 0;
function comment(body: string, login = "Codertocat") {
  const payload = webhookExample("issue_comment", "created") as {
    comment: { id: number; body: string; user: { login: string } };
    issue: { number: number; title: string; body: string | null; pull_request?: unknown };
    sender: { login: string };
    installation?: { id: number };
  };
  // Each its own comment: intake dedupes a trigger by the comment it came from.
  comments += 1;
  payload.comment.id += comments;
  payload.comment.body = body;
  payload.comment.user.login = login;
  payload.sender.login = login;
  payload.issue.number = issueNumber;
  payload.issue.title = "Fix the greeting";
  payload.issue.body = "greeting.txt says wrld, and nothing checks it.";
  delete payload.issue.pull_request;
  payload.installation = { id: installationId };
  return payload;
}

let world: SampleWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe("/plan and /plan approve on a GitHub issue, end to end (the app as a process)", () => {
  it("posts one plan comment, files it as sub-issues once, refuses a reader, and fails a malformed plan in words", async () => {
    world = await startE2eWorld();
    const current = world;
    const { github, model: api } = current;
    github.roles.set("Codertocat", "write");
    github.roles.set("reader", "read");
    github.issueLabels.set(`${repository}#${issueNumber}`, []);
    const finished = (count: number) => endedRuns(current, issueNumber, count);

    // /plan: the agent views a file, is refused a write, and submits the plan.
    api.push(
      toolUse("str_replace_based_edit_tool", { command: "view", path: "greeting.txt" }),
      toolUse("str_replace_based_edit_tool", { command: "create", path: "x.txt", file_text: "no" }),
      toolUse("submit_plan", plan),
      endTurn("The plan is submitted."),
    );
    expect(await current.deliver("issue_comment", comment("/plan keep it small"))).toBe(200);
    const [planned] = await finished(1);
    expect(planned).toMatchObject({ workflow: "plan", state: "succeeded" });
    // Read-only tools: no bash offered, the create refused, the view answered.
    const tools = ((api.requests[0]?.body.tools ?? []) as { name: string }[]).map((t) => t.name);
    expect(tools).toEqual(["str_replace_based_edit_tool", "search", "submit_plan"]);
    expect(JSON.stringify(api.requests[1]?.body.messages)).toContain("Hello, wrld");
    expect(JSON.stringify(api.requests[2]?.body.messages)).toContain("create is refused");
    const planComments = github.comments().filter((c) => c.body.startsWith("### Proposed plan"));
    expect(planComments).toHaveLength(1);
    const posted = planComments[0]?.body ?? "";
    expect(posted).toContain("#### Epic E1: Greeting");
    expect(posted).toContain("- **T2: Run test.sh in CI** (size M, after T1)");
    expect(posted).toContain("  - [ ] CI fails when greeting.txt has a typo");
    expect(posted).toContain("#### Open questions\n\n- Which CI does the project use?");
    expect(posted).toContain("`/plan approve`");

    // A reader's approve is refused, and creates nothing.
    expect(await current.deliver("issue_comment", comment("/plan approve", "reader"))).toBe(200);
    await waitFor(
      async () =>
        github.comments().some((c) => c.body.includes("only people with write access")) || undefined,
      20_000,
      "the refusal",
    );
    expect(github.openedIssues).toHaveLength(0);

    // The writer's approve: the epic under #7, its two tasks under the epic.
    expect(await current.deliver("issue_comment", comment("/plan approve"))).toBe(200);
    const approved = (await finished(2))[1];
    expect(approved).toMatchObject({ workflow: "plan-approve", state: "succeeded" });
    expect(github.openedIssues.map((i) => i.title)).toEqual([
      "Greeting",
      "Fix the typo in greeting.txt",
      "Run test.sh in CI",
    ]);
    const [epic, first, second] = github.openedIssues;
    expect(github.subIssues.get(`${repository}#${issueNumber}`)).toEqual([epic?.id]);
    expect(github.subIssues.get(`${repository}#${epic?.number}`)).toEqual([first?.id, second?.id]);
    expect(second?.body).toContain("- CI fails when greeting.txt has a typo");
    expect(github.comments().some((c) => c.body.startsWith("Created 3 tasks from the approved plan"))).toBe(
      true,
    );

    // A second approve opens nothing new and says so.
    expect(await current.deliver("issue_comment", comment("/plan approve"))).toBe(200);
    await finished(3);
    expect(github.openedIssues).toHaveLength(3);
    expect(
      github.comments().some((c) => c.body.startsWith("Every task of this plan was already created")),
    ).toBe(true);

    // A new /plan whose plan is malformed twice: the run fails, and the issue is told why.
    const calls = api.requests.length;
    api.push(
      toolUse("submit_plan", { summary: "Nothing", tasks: [] }),
      toolUse("submit_plan", { summary: "Still nothing", tasks: [{ id: "T1" }] }),
    );
    expect(await current.deliver("issue_comment", comment("/plan again"))).toBe(200);
    const failed = (await finished(4))[3];
    expect(failed).toMatchObject({ workflow: "plan", state: "failed" });
    expect(api.requests).toHaveLength(calls + 2);
    expect(JSON.stringify(api.requests[calls + 1]?.body.messages)).toContain("The plan is malformed: tasks");
    await waitFor(
      async () => github.comments().some((c) => c.body.includes("no usable plan")) || undefined,
      20_000,
      "the failure comment",
    );
    expect(github.openedIssues).toHaveLength(3);
  }, 300_000);
});
