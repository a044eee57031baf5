import type { ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { describe, expect, it } from "vitest";
import { runAgentLoop, type WorktreeSnapshots } from "../../src/agents/agent-loop.ts";
import { type AgentCheckpoint, databaseCheckpoints } from "../../src/agents/checkpoints.ts";
import type { Toolbox, ToolCall } from "../../src/agents/tools/toolbox.ts";
import { insertRun } from "../../src/engine/run-store.ts";
import { openRunBudget, scriptedClient, scriptedSuite, testNow } from "../ai/harness.ts";
import { anthropicFixture } from "../support/scripted-anthropic/fixtures.ts";

const suite = scriptedSuite();
const toolUse = anthropicFixture("messages.tool_use.json");
const endTurn = anthropicFixture("messages.end_turn.json");

/** A toolbox that answers test_tool with the value it was given and records every call. */
function recordingToolbox(): Pick<Toolbox, "definitions" | "dispatch"> & { calls: ToolCall[] } {
  const calls: ToolCall[] = [];
  return {
    calls,
    definitions: [
      {
        name: "test_tool",
        description: "Echoes its value.",
        input_schema: { type: "object", properties: { value: { type: "string" } }, required: ["value"] },
      },
    ],
    async dispatch(call) {
      calls.push(call);
      const result: ToolResultBlockParam = {
        type: "tool_result",
        tool_use_id: call.id,
        content: `echo ${(call.input as { value: string }).value}`,
      };
      return { result, events: [] };
    },
  };
}

/** A worktree whose "diff" is a string the test can read back, to prove a resume restores it. */
function memoryWorktree(initial = ""): WorktreeSnapshots & { diff: string; restored: string[] } {
  const tree = {
    diff: initial,
    restored: [] as string[],
    async snapshot() {
      return { diff: tree.diff, baseCommit: "base" };
    },
    async restore(snapshot: { diff: string }) {
      tree.restored.push(snapshot.diff);
      tree.diff = snapshot.diff;
    },
  };
  return tree;
}

async function newRun(): Promise<{ runId: string; scopes: string[] }> {
  const budget = await openRunBudget(suite.test);
  await insertRun(suite.test.db, {
    id: budget.runId,
    workflow: "implement-issue",
    inputs: {},
    context: {},
    now: testNow,
  });
  return budget;
}

function loopOptions(
  runId: string,
  scopes: string[],
  extra: Partial<Omit<Parameters<typeof runAgentLoop>[0], "tools">> = {},
) {
  const { client } = scriptedClient(suite.api, suite.test);
  return {
    client,
    tools: recordingToolbox(),
    system: async () => [{ type: "text" as const, text: "You are the development agent." }],
    task: "Use test_tool with the value test.",
    maxTokens: 1024,
    limits: { maxTurns: 10, maxDurationMs: 60_000 },
    call: { runId, step: "develop", idempotencyKey: `${runId}/main/develop`, scopes },
    checkpoints: databaseCheckpoints(suite.test.db, { runId, stepKey: "develop" }),
    worktree: memoryWorktree(),
    signal: new AbortController().signal,
    ...extra,
  } satisfies Parameters<typeof runAgentLoop>[0];
}

async function ledgerKeys(runId: string): Promise<string[]> {
  const rows = await suite.test.db
    .selectFrom("model_calls")
    .select("idempotency_key")
    .where("run_id", "=", runId)
    .orderBy("idempotency_key")
    .execute();
  return rows.map((r) => r.idempotency_key);
}

describe("the agent loop", () => {
  it("answers tool calls until the model ends its turn, and pays every turn in the ledger", async () => {
    const api = await suite.startApi();
    api.push({ reply: toolUse }, { reply: endTurn });
    const { runId, scopes } = await newRun();
    const options = loopOptions(runId, scopes);
    const result = await runAgentLoop(options);

    expect(result.stop).toBe("end_turn");
    expect(result.turns).toBe(2);
    expect(result.summary).toBe((endTurn.content as { text: string }[])[0]?.text);
    expect(options.tools.calls.map((c) => c.id)).toEqual(["toolu_011LF2VkWpAfJnTKJcmh1PNf"]);
    // The second request carries the tool's answer after the model's call.
    const second = api.requests[1]?.body.messages as {
      role: string;
      content: { type: string; content?: string }[];
    }[];
    expect(second.at(-1)?.content[0]).toMatchObject({ type: "tool_result", content: "echo test" });
    const keys = await ledgerKeys(runId);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/\/turn-1\//);
    expect(keys[1]).toMatch(/\/turn-2\//);
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it("resumes an interrupted step from its last checkpoint without asking a finished turn again", async () => {
    const api = await suite.startApi();
    api.push({ reply: toolUse });
    const { runId, scopes } = await newRun();
    const worktree = memoryWorktree();
    const controller = new AbortController();
    // The worker "dies" right after the first turn's tools were answered and checkpointed.
    const first = loopOptions(runId, scopes, {
      worktree,
      signal: controller.signal,
      onTurn: async () => {
        worktree.diff = "diff --git a/x b/x";
        controller.abort(new Error("shutdown"));
      },
    });
    await expect(runAgentLoop(first)).rejects.toThrow();
    const saved = (await first.checkpoints.load()) as AgentCheckpoint;
    expect(saved.turn).toBe(1);
    expect(saved.messages.at(-1)?.role).toBe("user");

    // Another worker: a fresh worktree, the same checkpoint store; only the second turn is left to ask.
    api.push({ reply: endTurn });
    const freshTree = memoryWorktree();
    const second = loopOptions(runId, scopes, { worktree: freshTree });
    const result = await runAgentLoop(second);
    expect(result.stop).toBe("end_turn");
    expect(result.turns).toBe(2);
    expect(freshTree.restored).toEqual([saved.diff]);
    expect(second.tools.calls).toHaveLength(0);
    expect(api.requests).toHaveLength(2);
    expect(api.unexpected).toBe(0);
    const keys = await ledgerKeys(runId);
    expect(keys).toHaveLength(2);
    expect(new Set(keys.map((k) => k.split("/turn-")[1]?.split("/")[0]))).toEqual(new Set(["1", "2"]));
  });

  it("resumes with the system its conversation started with, not one rebuilt on the new worker", async () => {
    const api = await suite.startApi();
    api.push({ reply: toolUse });
    const { runId, scopes } = await newRun();
    const controller = new AbortController();
    const started = [
      { type: "text" as const, text: "Rules." },
      { type: "text" as const, text: "Map at abc123." },
    ];
    const first = loopOptions(runId, scopes, {
      system: async () => started,
      signal: controller.signal,
      onTurn: async () => controller.abort(new Error("shutdown")),
    });
    await expect(runAgentLoop(first)).rejects.toThrow();

    // On the other worker's checkout the map would come out differently (the base moved meanwhile).
    api.push({ reply: endTurn });
    let rebuilt = 0;
    const second = loopOptions(runId, scopes, {
      system: async () => {
        rebuilt += 1;
        return [
          { type: "text", text: "Rules." },
          { type: "text", text: "Map at def456." },
        ];
      },
    });
    expect((await runAgentLoop(second)).stop).toBe("end_turn");
    expect(rebuilt).toBe(0);
    expect(api.requests).toHaveLength(2);
    const systems = api.requests.map((r) => (r.body.system as { text: string }[]).map((block) => block.text));
    expect(systems[1]).toEqual(["Rules.", "Map at abc123."]);
    expect(systems[1]).toEqual(systems[0]);
  });

  it("answers tool calls the model made just before a crash, instead of asking the model again", async () => {
    const api = await suite.startApi();
    const { runId, scopes } = await newRun();
    const store = databaseCheckpoints(suite.test.db, { runId, stepKey: "develop" });
    // A checkpoint taken after the model's answer, before its tools ran.
    await store.save({
      turn: 1,
      messages: [
        { role: "user", content: "Use test_tool with the value test." },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_1", name: "test_tool", input: { value: "x" } }],
        },
      ],
      diff: "",
      baseCommit: "base",
      state: { costUsd: 0.01 },
    });
    api.push({ reply: endTurn });
    const options = loopOptions(runId, scopes);
    const result = await runAgentLoop(options);
    expect(options.tools.calls.map((c) => c.id)).toEqual(["toolu_1"]);
    expect(result.turns).toBe(2);
    expect(result.costUsd).toBeGreaterThan(0.01);
    expect(api.requests).toHaveLength(1);
  });

  it("stops at its turn limit with the conversation so far", async () => {
    const api = await suite.startApi();
    api.push({ reply: toolUse });
    const { runId, scopes } = await newRun();
    const result = await runAgentLoop(
      loopOptions(runId, scopes, { limits: { maxTurns: 1, maxDurationMs: 60_000 } }),
    );
    expect(result.stop).toBe("max_turns");
    expect(result.turns).toBe(1);
    expect(api.requests).toHaveLength(1);
  });

  it("at its turn limit asks once, with tools refused, what is done and what remains", async () => {
    const api = await suite.startApi();
    const wrapUpText = "Done: the first call.\nRemains: the second call.";
    api.push({ reply: toolUse }, { reply: { ...endTurn, content: [{ type: "text", text: wrapUpText }] } });
    const { runId, scopes } = await newRun();
    const options = loopOptions(runId, scopes, {
      limits: { maxTurns: 1, maxDurationMs: 60_000 },
      wrapUp: (stop) => `Limit (${stop}): what is done, what remains?`,
    });
    const result = await runAgentLoop(options);

    expect(result).toMatchObject({ stop: "max_turns", turns: 1, remaining: wrapUpText });
    expect(api.requests).toHaveLength(2);
    const asked = api.requests[1]?.body as {
      tool_choice?: unknown;
      tools?: unknown[];
      messages: { role: string; content: { type: string; text?: string }[] }[];
    };
    expect(asked.tool_choice).toEqual({ type: "none" });
    expect(asked.tools).toHaveLength(1);
    // The question rides in the last user message, after the tool results: roles still alternate.
    const last = asked.messages.at(-1);
    expect(last?.role).toBe("user");
    expect(last?.content.map((b) => b.type)).toEqual(["tool_result", "text"]);
    expect(last?.content.at(-1)?.text).toBe("Limit (max_turns): what is done, what remains?");
    // It is paid like a turn, under its own key.
    const keys = await ledgerKeys(runId);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toMatch(/\/wrap-up\//);

    // Resumed after the answer was checkpointed, it is not asked (or paid) again.
    const again = await runAgentLoop({ ...options, tools: recordingToolbox() });
    expect(again).toMatchObject({ stop: "max_turns", remaining: wrapUpText });
    expect(api.requests).toHaveLength(2);
  });

  it("stops at its time limit before the next call", async () => {
    const api = await suite.startApi();
    api.push({ reply: toolUse });
    const { runId, scopes } = await newRun();
    let t = 0;
    const result = await runAgentLoop(
      loopOptions(runId, scopes, {
        limits: { maxTurns: 10, maxDurationMs: 1000 },
        now: () => t,
        onTurn: async () => {
          t += 5000;
        },
      }),
    );
    expect(result.stop).toBe("time_limit");
    expect(api.requests).toHaveLength(1);
  });

  it("stops with the cap's words when the budget refuses the next turn", async () => {
    const api = await suite.startApi();
    const budget = await openRunBudget(suite.test, { runMicros: 1 });
    await insertRun(suite.test.db, {
      id: budget.runId,
      workflow: "implement-issue",
      inputs: {},
      context: {},
      now: testNow,
    });
    const result = await runAgentLoop(
      loopOptions(budget.runId, budget.scopes, { wrapUp: () => "what remains?" }),
    );
    expect(result.stop).toBe("budget");
    expect(result.budgetMessage).toMatch(/cap/);
    expect(result.remaining).toBeUndefined();
    expect(api.requests).toHaveLength(0);
  });
});
