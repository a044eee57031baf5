import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import type { AgentPort } from "../../../src/engine/agent-port.ts";
import { loadWorkflows } from "../../../src/engine/load-workflows.ts";
import type { WorkflowRegistry } from "../../../src/engine/loaded-workflow.ts";
import type { ModelPort, ModelStepRequest, ModelStepResult } from "../../../src/engine/model-port.ts";
import type { ExecuteRunDeps } from "../../../src/engine/run-execution.ts";
import { type PluginAdapters, pluginCatalog } from "../../../src/plugins/catalog.ts";

export const fixturePromptsDir = path.join(import.meta.dirname, "..", "fixtures", "prompts");
/** The repository's own workflows/ and prompts/, as the app ships them. */
export const shippedWorkflowsDir = path.join(import.meta.dirname, "..", "..", "..", "workflows");
export const shippedPromptsDir = path.join(import.meta.dirname, "..", "..", "..", "prompts");

/** The shipped workflows, loaded as the app loads them. */
export function shippedWorkflows(): WorkflowRegistry {
  return loadWorkflows({ dir: shippedWorkflowsDir, promptsDir: shippedPromptsDir, catalog: pluginCatalog });
}

export interface RecordedCall {
  slot: string;
  action: string;
  input: Record<string, unknown>;
  idempotencyKey: string;
}

export interface BehaviourContext {
  signal: AbortSignal;
  idempotencyKey: string;
  leaseEpoch: number;
}

type Behaviour = (
  input: Record<string, unknown>,
  call: number,
  ctx: BehaviourContext,
) => Promise<unknown> | unknown;

/**
 * Adapters for every slot that record each call and answer with a plausible result; a test overrides an
 * action's behaviour (fail twice, hang, return something else) by `slot.action`.
 */
export function recordingAdapters(behaviours: Record<string, Behaviour> = {}) {
  const calls: RecordedCall[] = [];
  const counts = new Map<string, number>();
  const adapters: Record<string, Record<string, unknown>> = {};
  for (const [slot, actions] of Object.entries(pluginCatalog)) {
    adapters[slot] = {};
    for (const action of Object.keys(actions)) {
      adapters[slot][action] = async (input: Record<string, unknown>, ctx: BehaviourContext) => {
        const name = `${slot}.${action}`;
        calls.push({ slot, action, input, idempotencyKey: ctx.idempotencyKey });
        const count = (counts.get(name) ?? 0) + 1;
        counts.set(name, count);
        const behaviour = behaviours[name];
        return behaviour ? behaviour(input, count, ctx) : defaultResult(name, input);
      };
    }
  }
  return {
    adapters: adapters as unknown as PluginAdapters,
    calls,
    callsOf: (name: string) => calls.filter((c) => `${c.slot}.${c.action}` === name),
  };
}

/** Recording adapters whose `name` action always throws: an Error with `error` as message, or what `error` makes. */
export function failingAdapters(name: string, error: string | (() => Error)) {
  return recordingAdapters({
    [name]: () => {
      throw typeof error === "string" ? new Error(error) : error();
    },
  });
}

export function defaultResult(name: string, input: Record<string, unknown>): unknown {
  switch (name) {
    case "task_management.get_task":
      return {
        key: input.task_key,
        title: "Add a dark mode",
        description: "Users want a dark theme.",
        status: "todo",
        type: "story",
        url: `https://tracker.example/${String(input.task_key)}`,
        labels: ["ai-implement"],
      };
    case "task_management.update_status":
      return { task_key: input.task_key, status: input.status };
    case "task_management.add_comment":
      return { comment_id: "c1", url: null };
    case "task_management.create_task":
      return { key: "PROJ-2", url: "https://tracker.example/PROJ-2" };
    case "task_management.link_pull_request":
      return { linked: true };
    case "task_management.create_subtasks":
      return {
        subtasks: (input.subtasks as { title: string }[]).map((_, i) => ({
          key: `SUB-${i + 1}`,
          url: "https://t/s",
        })),
      };
    case "version_control.open_pull_request":
      return { number: 7, url: "https://github.com/acme/app/pull/7", created: true };
    case "version_control.comment":
      return { comment_id: "1", url: "https://github.com/acme/app/issues/1#c1" };
    case "version_control.delete_branch":
      return { deleted: true };
    case "documentation.update_page":
      return { page_id: "p1", url: "https://docs.example/p1", created: true };
    case "communication.notify":
      return { delivered: true, message_id: "m1" };
    default:
      throw new Error(`no default result for ${name}`);
  }
}

export function recordingModel(answer: (request: ModelStepRequest) => Partial<ModelStepResult> = () => ({})) {
  const requests: ModelStepRequest[] = [];
  const model: ModelPort = {
    async complete(request) {
      requests.push(request);
      return {
        text: "ok",
        model: request.model ?? "claude-test",
        usage: { inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
        costUsd: 0.25,
        ...answer(request),
      };
    },
  };
  return { model, requests };
}

export function recordingAgents(
  answer: (agent: string, input: Record<string, unknown>) => Record<string, unknown>,
) {
  const runs: { agent: string; input: Record<string, unknown>; idempotencyKey: string }[] = [];
  const agents: AgentPort = {
    async run(agent, input, ctx) {
      runs.push({ agent, input, idempotencyKey: ctx.idempotencyKey });
      return answer(agent, input);
    },
  };
  return { agents, runs };
}

export const silentLog = pino({ level: "silent" });

/** Writes workflow texts to a fresh directory and loads them as the app would. */
export function registryFromTexts(
  texts: Record<string, string>,
  promptsDir = fixturePromptsDir,
): WorkflowRegistry {
  const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-workflows-"));
  for (const [name, text] of Object.entries(texts)) writeFileSync(path.join(dir, name), text);
  return loadWorkflows({ dir, promptsDir, catalog: pluginCatalog });
}

/** Deps with recording fakes, no real waits, and a fixed clock. */
export function testDeps(
  workflows: WorkflowRegistry,
  overrides: Partial<ExecuteRunDeps> = {},
): ExecuteRunDeps {
  return {
    workflows,
    adapters: recordingAdapters().adapters,
    model: recordingModel().model,
    agents: recordingAgents(() => ({})).agents,
    log: silentLog,
    workerId: "test-worker",
    clock: () => new Date("2026-11-27T10:00:00Z"),
    sleep: async () => {},
    ...overrides,
  };
}
