import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databaseCheckpoints } from "../../../src/agents/checkpoints.ts";
import { type PlanningPorts, runPlanningAgent } from "../../../src/agents/planning/planning-agent.ts";
import { createToolbox } from "../../../src/agents/tools/toolbox.ts";
import { insertRun } from "../../../src/engine/run-store.ts";
import { createLogger } from "../../../src/logging/logger.ts";
import { openRunBudget, scriptedClient, scriptedSuite, testNow } from "../../ai/harness.ts";
import { anthropicFixture } from "../../support/scripted-anthropic/fixtures.ts";

const suite = scriptedSuite();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const reply = (content: Record<string, unknown>[], stop: "tool_use" | "end_turn") => ({
  reply: { ...anthropicFixture("messages.tool_use.json"), content, stop_reason: stop },
});
const plan = {
  summary: "Split the checkout.",
  tasks: [
    {
      id: "T1",
      title: "Pay by card",
      description: "Card payments.",
      acceptance_criteria: ["A card payment succeeds"],
      size: "M",
    },
  ],
};

async function setUp(): Promise<{ ports: PlanningPorts; runId: string; released: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ai-dev-planning-"));
  dirs.push(dir);
  writeFileSync(path.join(dir, "checkout.ts"), "export const pay = () => 'card';\n");
  const budget = await openRunBudget(suite.test);
  await insertRun(suite.test.db, {
    id: budget.runId,
    workflow: "plan",
    inputs: {},
    context: {},
    now: testNow,
  });
  const { client } = scriptedClient(suite.api, suite.test);
  const released: string[] = [];
  const ports: PlanningPorts = {
    openWorkspace: async () => ({ dir, settings: {}, release: async () => void released.push(dir) }),
    startingContext: async () => "The repository has one file, checkout.ts.",
    toolbox: ({ dir: root }) =>
      createToolbox({
        dir: root,
        runner: async () => {
          throw new Error("these tests run no command");
        },
        readOnly: true,
      }),
    instructions: async () => ({ system: "You plan.", task: "Plan the checkout." }),
    model: client,
    scopes: budget.scopes,
    checkpoints: databaseCheckpoints(suite.test.db, { runId: budget.runId, stepKey: "explore" }),
    log: createLogger({ level: "silent" }),
  };
  return { ports, runId: budget.runId, released };
}

const input = {
  task: { key: "acme/shop#3", title: "Checkout v2", description: "Split it.", status: "open", url: "" },
  repository: "acme/shop",
};
const call = (runId: string) => ({
  runId,
  stepName: "explore",
  idempotencyKey: `${runId}/explore`,
  signal: new AbortController().signal,
});

describe("the planning agent", () => {
  it("asks once more, with submit_plan required, when the model ends without it", async () => {
    const api = await suite.startApi();
    const { ports, runId, released } = await setUp();
    api.push(
      reply(
        [
          {
            type: "tool_use",
            id: "toolu_1",
            name: "str_replace_based_edit_tool",
            input: { command: "view", path: "checkout.ts" },
          },
        ],
        "tool_use",
      ),
      reply([{ type: "text", text: "The plan: one task, pay by card." }], "end_turn"),
      reply([{ type: "tool_use", id: "toolu_2", name: "submit_plan", input: plan }], "tool_use"),
    );
    const result = await runPlanningAgent(input, ports, call(runId));
    expect(result.plan.tasks[0]).toMatchObject({ id: "T1", files: [], depends_on: [] });
    expect(result.markdown).toContain("- **T1: Pay by card** (size M)");
    expect(JSON.stringify(api.requests[1]?.body.messages)).toContain("export const pay");
    expect(api.requests[2]?.body.tool_choice).toEqual({ type: "tool", name: "submit_plan" });
    expect(released).toHaveLength(1);
  });

  it("fails in words, having asked once, when the model never submits a plan", async () => {
    const api = await suite.startApi();
    const { ports, runId, released } = await setUp();
    api.push(
      reply([{ type: "text", text: "I would rather not plan." }], "end_turn"),
      reply([{ type: "text", text: "Still no." }], "end_turn"),
    );
    const error = await runPlanningAgent(input, ports, call(runId)).catch((e) => e);
    expect(error.code).toBe("invalid_plan");
    expect(error.message).toContain("it never called submit_plan");
    expect(error.message).toContain("comment `/plan` with notes to try again");
    expect(api.requests).toHaveLength(2);
    expect(released).toHaveLength(1);
  });
});
