import type {
  ContentBlock,
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { z } from "zod";
import type { CallContext, CallRequest, CallResult } from "../ai/client.ts";
import { BudgetExceededError } from "../budget/errors.ts";
import type { AgentCheckpoint, CheckpointStore } from "./checkpoints.ts";
import type { ToolEvent } from "./tools/tool-events.ts";
import type { Toolbox } from "./tools/toolbox.ts";

/** What the loop needs of the worktree to checkpoint it: its changes, and how to put them back. */
export interface WorktreeSnapshots {
  snapshot(): Promise<{ diff: string; baseCommit: string | null }>;
  restore(snapshot: { diff: string; baseCommit: string | null }): Promise<void>;
}

export type AgentStop =
  /** The model ended its turn: its last text is the summary. */
  | "end_turn"
  | "max_turns"
  | "time_limit"
  /** A budget cap refused the next call. */
  | "budget";

export interface AgentLoopResult {
  stop: AgentStop;
  /** The model's last words: the summary of what it did (or, at a limit, how far it got). */
  summary: string;
  turns: number;
  /** Everything this step paid for, turns before a resume included. */
  costUsd: number;
  messages: MessageParam[];
  /** The refusal's words when stop is "budget". */
  budgetMessage?: string;
  /** At a turn or time limit, the model's own account of what is done and what remains (see `wrapUp`). */
  remaining?: string;
}

export interface AgentLoopOptions {
  /** The budgeted model client (src/ai/client.ts): every turn is reserved, priced and settled in the ledger. */
  client: { create(request: CallRequest, context: CallContext): Promise<CallResult> };
  tools: Pick<Toolbox, "definitions" | "dispatch">;
  /**
   * Instructions first, then the starting context: both stable for the run, so both are cached. Built
   * only when the step starts fresh: a resume goes on with the system its conversation started with
   * (saved in the checkpoint), since one rebuilt on another worker's checkout can differ (the base moved,
   * the map ranks differently), which would change what the model was told and lose the cached prefix.
   */
  system: () => Promise<TextBlockParam[]>;
  /** The first user message: the task, marked as data. */
  task: string;
  model?: string | undefined;
  fallbackModel?: string | undefined;
  maxTokens: number;
  limits: { maxTurns: number; maxDurationMs: number };
  /** Who pays: the run's scopes; each turn gets its own idempotency key below the step's. */
  call: Pick<CallContext, "runId" | "step" | "idempotencyKey" | "scopes">;
  checkpoints: CheckpointStore;
  worktree: WorktreeSnapshots;
  signal: AbortSignal;
  /** Milliseconds, for the time limit (injected in tests). */
  now?: () => number;
  /** The caller's own bookkeeping, checkpointed with each turn and handed back on a resume. */
  bookkeeping?: {
    save(): Record<string, unknown>;
    restore(saved: Record<string, unknown>): void;
  };
  /** Told what the tools did, before the turn is checkpointed (so the bookkeeping saved includes it). */
  onToolEvents?: (events: ToolEvent[]) => void;
  /**
   * The question put to the model once when a turn or time limit stops it: one more call, with tools
   * refused, whose answer is `remaining`, so what is left is said by the one who was doing the work.
   * Not asked when the budget stopped it; asked once even across a resume (the answer is checkpointed).
   */
  wrapUp?: (stop: "max_turns" | "time_limit") => string;
  /** Told after each turn's tool calls are answered, e.g. to update the progress comment. */
  onTurn?: (turn: {
    turn: number;
    calls: ToolUseBlock[];
    results: ToolResultBlockParam[];
    events: ToolEvent[];
    /** What the step has paid so far, turns before a resume included. */
    costUsd: number;
  }) => Promise<void>;
}

/**
 * The agent's loop: the model answers, its tool calls are answered, until it ends its turn or a limit is
 * reached. After every model answer and after every round of tool results the conversation and the
 * worktree's diff are checkpointed, so an interrupted step resumes where it was and no turn that was
 * answered is asked (and paid for) again.
 */
export async function runAgentLoop(options: AgentLoopOptions): Promise<AgentLoopResult> {
  const now = options.now ?? Date.now;
  const resumed = await options.checkpoints.load();
  const savedSystem = systemSchema.safeParse(resumed?.state.system);
  const system = savedSystem.success ? savedSystem.data : await options.system();
  const state: AgentCheckpoint = resumed ?? {
    turn: 0,
    messages: [{ role: "user", content: options.task }],
    ...(await options.worktree.snapshot()),
    state: { costUsd: 0, elapsedMs: 0 },
  };
  if (resumed) {
    await options.worktree.restore(resumed);
    const saved = resumed.state.bookkeeping;
    if (saved && typeof saved === "object") options.bookkeeping?.restore(saved as Record<string, unknown>);
  }
  let costUsd = numberOr(state.state.costUsd, 0);
  const elapsedBefore = numberOr(state.state.elapsedMs, 0);
  const startedAt = now();
  const elapsed = () => elapsedBefore + (now() - startedAt);

  // The worktree changes only through tools: a save after the model's answer keeps the last diff (a
  // snapshot is `git add` and `git diff` over the whole checkout, most of a turn's own time on a big one).
  const save = async (worktreeChanged = true) => {
    state.state = {
      ...state.state,
      costUsd,
      elapsedMs: elapsed(),
      system,
      ...(options.bookkeeping ? { bookkeeping: options.bookkeeping.save() } : {}),
    };
    if (worktreeChanged) Object.assign(state, await options.worktree.snapshot());
    await options.checkpoints.save(state);
  };
  const finish = (stop: AgentStop, extra: Partial<AgentLoopResult> = {}): AgentLoopResult => ({
    stop,
    summary: lastText(state.messages),
    turns: state.turn,
    costUsd,
    messages: state.messages,
    ...extra,
  });

  const wrapUp = async (stop: "max_turns" | "time_limit"): Promise<AgentLoopResult> => {
    if (!options.wrapUp) return finish(stop);
    const saved = state.state.remaining;
    if (typeof saved === "string") return finish(stop, { remaining: saved });
    // The question joins the last user message (the tool results), so the conversation still alternates.
    const last = state.messages.at(-1) as MessageParam;
    const content: ContentBlockParam[] =
      typeof last.content === "string" ? [{ type: "text", text: last.content }] : [...last.content];
    content.push({ type: "text", text: options.wrapUp(stop) });
    let result: CallResult;
    try {
      result = await options.client.create(
        {
          model: options.model,
          maxTokens: Math.min(options.maxTokens, 2048),
          system,
          tools: options.tools.definitions,
          toolChoice: { type: "none" },
          messages: [...state.messages.slice(0, -1), { role: "user", content }],
        },
        {
          ...options.call,
          idempotencyKey: `${options.call.idempotencyKey}/wrap-up`,
          signal: options.signal,
          fallbackModel: options.fallbackModel,
        },
      );
    } catch (error) {
      // Nothing is left to ask with: the work stands as it is, and the caller says so without the model.
      if (error instanceof BudgetExceededError) return finish(stop);
      throw error;
    }
    costUsd += result.costUsd;
    const remaining = lastText([{ role: "assistant", content: asParams(result.message.content) }]);
    state.state = { ...state.state, remaining };
    await save(false);
    return finish(stop, { remaining });
  };

  for (;;) {
    options.signal.throwIfAborted();
    const last = state.messages.at(-1);
    const pending = last?.role === "assistant" ? toolCalls(last) : [];
    if (last?.role === "assistant" && pending.length === 0) return finish("end_turn");
    if (pending.length > 0) {
      // The model asked for tools (possibly before a crash): answer them, then checkpoint.
      const results: ToolResultBlockParam[] = [];
      const events: ToolEvent[] = [];
      for (const call of pending) {
        const answer = await options.tools.dispatch(call, options.signal);
        results.push(answer.result);
        events.push(...answer.events);
      }
      options.onToolEvents?.(events);
      state.messages.push({ role: "user", content: results });
      await save();
      await options.onTurn?.({ turn: state.turn, calls: pending, results, events, costUsd });
      continue;
    }
    if (state.turn >= options.limits.maxTurns) return await wrapUp("max_turns");
    if (elapsed() >= options.limits.maxDurationMs) return await wrapUp("time_limit");

    let result: CallResult;
    try {
      result = await options.client.create(
        {
          model: options.model,
          maxTokens: options.maxTokens,
          system,
          tools: options.tools.definitions,
          messages: state.messages,
        },
        {
          ...options.call,
          idempotencyKey: `${options.call.idempotencyKey}/turn-${state.turn + 1}`,
          signal: options.signal,
          fallbackModel: options.fallbackModel,
        },
      );
    } catch (error) {
      if (error instanceof BudgetExceededError) return finish("budget", { budgetMessage: error.message });
      throw error;
    }
    costUsd += result.costUsd;
    state.turn += 1;
    state.messages.push({ role: "assistant", content: asParams(result.message.content) });
    await save(false);
  }
}

/** The system blocks as a checkpoint holds them (a checkpoint from before they were saved has none). */
const systemSchema = z.array(z.object({ type: z.literal("text"), text: z.string() })).min(1);

function toolCalls(message: MessageParam): ToolUseBlock[] {
  if (typeof message.content === "string") return [];
  return message.content.filter((b): b is ToolUseBlock => b.type === "tool_use") as ToolUseBlock[];
}

/** The text of the model's last answer that had any. */
function lastText(messages: readonly MessageParam[]): string {
  for (const message of [...messages].reverse()) {
    if (message.role !== "assistant") continue;
    const text =
      typeof message.content === "string"
        ? message.content
        : message.content
            .flatMap((b) => (b.type === "text" ? [b.text] : []))
            .join("\n")
            .trim();
    if (text) return text;
  }
  return "";
}

/** The response's blocks as the next request sends them back (citations and other response-only fields dropped). */
function asParams(content: readonly ContentBlock[]): ContentBlockParam[] {
  return content.flatMap((block): ContentBlockParam[] => {
    if (block.type === "text") return [{ type: "text", text: block.text }];
    if (block.type === "tool_use")
      return [{ type: "tool_use", id: block.id, name: block.name, input: block.input }];
    if (block.type === "thinking")
      return [{ type: "thinking", thinking: block.thinking, signature: block.signature }];
    if (block.type === "redacted_thinking") return [{ type: "redacted_thinking", data: block.data }];
    return [];
  });
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
