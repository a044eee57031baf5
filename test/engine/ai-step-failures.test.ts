import { describe, expect, it } from "vitest";
import { StepModel } from "../../src/ai/step-model.ts";
import { runLedger } from "../../src/budget/ledger.ts";
import { markPaidFailure } from "../../src/engine/model-port.ts";
import { getRun, listStepRuns } from "../../src/engine/run-store.ts";
import { UserFacingError } from "../../src/errors.ts";
import { openRunBudget, scriptedClient, scriptedSuite } from "../ai/harness.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";
import { recordingAdapters, recordingAgents, registryFromTexts } from "./support/recording-ports.ts";
import { startRun } from "./support/start-run.ts";

// The engine with the real model port (StepModel over the budgeted ModelClient and the scripted
// Messages API): what a user's workflow meets when the model misbehaves or the budget says no.
const suite = scriptedSuite();

const answer = (text: string) => ({
  ...anthropicFixture("messages.end_turn.json"),
  content: [{ type: "text", text }],
});

const header = `
description: a test workflow
inputs:
  task_key: { type: string, required: true }
`;

const classify = (extra: string) => `  - name: classify
    type: ai_action
    prompt_template: classify.liquid
    inputs: { body: "\${task_key}" }
    output_schema:
      type: object
      properties: { kind: { type: string } }
      required: [kind]
${extra}`;

async function start(text: string, caps: { runMicros?: number } = {}) {
  const workflows = registryFromTexts({ "w.yml": text });
  const { client } = scriptedClient(suite.api, suite.test);
  const { scopes } = await openRunBudget(suite.test, caps);
  const model = new StepModel({ client, scopesFor: () => scopes });
  const run = await startRun(suite.test.db, workflows, {
    workflow: workflows.names()[0] as string,
    inputs: { task_key: "PROJ-1" },
    context: {},
  });
  return { ...run, model, scopes };
}

describe("on_error: continue and the cost of failed model steps", () => {
  it("goes on after invalid model JSON, a budget refusal and a user-facing error when each step says on_error: continue", async () => {
    await suite.startApi();
    suite.api.push({ reply: answer("Sure! It is a bug.") });
    // $1 for the run: the second step's worst case (100,000 output tokens at $25 per million) is refused.
    const { runId, execute, model } = await start(
      `name: tolerant${header}
steps:
${classify("    on_error: continue")}
  - name: summarize
    type: ai_action
    prompt_template: summarize.liquid
    inputs: { title: x, body: y }
    max_tokens: 100000
    on_error: continue
  - name: comment
    plugin: task_management
    action: add_comment
    inputs: { task_key: "\${task_key}", body: hello }
    on_error: continue
  - name: notify
    plugin: communication
    action: notify
    inputs: { message: "classify \${steps.classify.status}, summarize \${steps.summarize.status}" }
`,
      { runMicros: 1_000_000 },
    );
    const recording = recordingAdapters({
      "task_management.add_comment": () => {
        throw new UserFacingError("comment_refused", "the tracker refused the comment");
      },
    });
    const outcome = await execute({ model, adapters: recording.adapters });

    expect(outcome).toEqual({ status: "succeeded", executed: true });
    expect(recording.callsOf("communication.notify")[0]?.input.message).toBe(
      "classify failed, summarize failed",
    );
    const steps = await listStepRuns(suite.test.db, runId);
    expect(steps.map((s) => [s.stepName, s.status])).toEqual([
      ["classify", "failed"],
      ["summarize", "failed"],
      ["comment", "failed"],
      ["notify", "succeeded"],
    ]);
    expect(steps[0]?.error).toContain("is not JSON");
    expect(steps[1]?.error).toContain("Stopped before a model call");
    expect(steps[2]?.error).toBe("the tracker refused the comment");
    expect(suite.api.requests).toHaveLength(1);
  });

  it("adds the cost of a step whose answer is not JSON to the step, the run and the workflow's max_cost_usd", async () => {
    await suite.startApi();
    suite.api.push({ reply: answer("not json") });
    // The recorded answer costs $0.00355 (505 in × $5 + 41 out × $25 per million): over a $0.001 cap.
    const { runId, execute, model } = await start(`name: capped${header}
limits: { max_cost_usd: 0.001 }
steps:
${classify("    on_error: continue")}
  - name: notify
    plugin: communication
    action: notify
    inputs: { message: never }
`);
    const recording = recordingAdapters();
    const outcome = await execute({ model, adapters: recording.adapters });

    expect(outcome.error?.code).toBe("budget_exceeded");
    expect(outcome.error?.message).toContain('spent $0.00 of its $0.001 limit before step "notify"');
    expect(recording.calls).toHaveLength(0);
    const run = await getRun(suite.test.db, runId);
    expect(run?.costUsdMicros).toBe(3550);
    const steps = await listStepRuns(suite.test.db, runId);
    expect(steps[0]).toMatchObject({ stepName: "classify", status: "failed", costUsdMicros: 3550 });
    const ledger = await runLedger(suite.test.db, runId);
    expect(ledger.map((row) => row.costMicros)).toEqual([3550]);
  });

  it("counts what an agent spent before it failed against the run and its max_cost_usd", async () => {
    await suite.startApi();
    const { runId, execute, model } = await start(`name: agent-paid${header}
limits: { max_cost_usd: 0.5 }
steps:
  - name: develop
    type: agent
    agent: development
    inputs: { task_key: "\${task_key}" }
    on_error: continue
  - name: notify
    plugin: communication
    action: notify
    inputs: { message: never }
`);
    const { agents } = recordingAgents(() => {
      throw markPaidFailure(new Error("the agent gave up after 12 turns"), 0.75);
    });
    const outcome = await execute({ model, agents });
    expect(outcome.error?.code).toBe("budget_exceeded");
    expect((await getRun(suite.test.db, runId))?.costUsdMicros).toBe(750_000);
  });
});
