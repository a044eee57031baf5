import { describe, expect, it } from "vitest";
import { renderCostReport } from "../../src/ai/cost-report.ts";
import { StepModel } from "../../src/ai/step-model.ts";
import { runLedger } from "../../src/budget/ledger.ts";
import { UserFacingError } from "../../src/errors.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";
import { openRunBudget, scriptedClient, scriptedSuite } from "./harness.ts";

const suite = scriptedSuite();

const answer = (text: string) => ({
  ...anthropicFixture("messages.end_turn.json"),
  content: [{ type: "text", text }],
});
const schema = {
  type: "object",
  properties: { labels: { type: "array", items: { type: "string" } } },
  required: ["labels"],
};

async function stepModel() {
  const { client } = scriptedClient(suite.api, suite.test);
  const { runId, scopes } = await openRunBudget(suite.test);
  return { model: new StepModel({ client, scopesFor: () => scopes }), runId };
}

const request = (runId: string, key: string) => ({
  runId,
  stepName: "triage",
  idempotencyKey: key,
  system: "You triage issues.",
  prompt: "Issue: the build fails",
  jsonSchema: schema,
  signal: new AbortController().signal,
});

describe("ModelPort for ai_action steps", () => {
  it("returns the parsed JSON answer with its usage and cost", async () => {
    await suite.startApi();
    suite.api.push({ reply: answer('{"labels":["bug","ci"]}') });
    const { model, runId } = await stepModel();
    const result = await model.complete(request(runId, `${runId}:triage:1`));
    expect(result.json).toEqual({ labels: ["bug", "ci"] });
    expect(result).toMatchObject({
      model: "claude-opus-4-8",
      costUsd: 0.00355,
      usage: { inputTokens: 505, outputTokens: 41 },
    });
    const system = suite.api.requests[0]?.body.system as { text: string }[];
    expect(system[1]?.text).toContain('"required":["labels"]');
  });

  it("fails the step with invalid_model_output that says what was wrong", async () => {
    await suite.startApi();
    suite.api.push(
      { reply: answer("Sure! Here are the labels: bug") },
      { reply: answer('{"labels":"bug"}') },
    );
    const { model, runId } = await stepModel();
    const notJson = await model.complete(request(runId, `${runId}:triage:1`)).catch((e) => e);
    expect(notJson).toBeInstanceOf(UserFacingError);
    expect(notJson.code).toBe("invalid_model_output");
    expect(notJson.message).toContain("not JSON");
    const wrongShape = await model.complete(request(runId, `${runId}:triage:2`)).catch((e) => e);
    expect(wrongShape.message).toMatch(/labels: /);
  });

  it("renders the run's per-step cost table from the ledger", async () => {
    await suite.startApi();
    suite.api.push({ reply: answer('{"labels":[]}') }, { reply: answer('{"labels":[]}') });
    const { model, runId } = await stepModel();
    await model.complete(request(runId, `${runId}:triage:1`));
    await model.complete({ ...request(runId, `${runId}:summary:1`), stepName: "summary" });
    const report = renderCostReport(await runLedger(suite.test.db, runId));
    expect(report).toContain("| triage | claude-opus-4-8 | 1 | 505 | 41 | 0 | 0 | $0.0036 |");
    expect(report).toContain("| **Total** | | 2 | 1,010 | 82 | 0 | 0 | **$0.0071** |");
  });
});
