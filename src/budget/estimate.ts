import { type PriceTable, priceOf } from "../ai/pricing.ts";
import { cacheReadTokenWeight } from "./ledger.ts";
import { microsToUsd } from "./money.ts";

/** What a workflow step does, as far as cost goes. */
export interface EstimatedStep {
  name: string;
  kind: "ai_action" | "agent" | "plugin";
  model?: string | undefined;
  maxTokens?: number | undefined;
}

export interface StepEstimate {
  step: string;
  kind: EstimatedStep["kind"];
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  /** What the token caps count: input and output, cache reads at their weight. */
  countedTokens: number;
  usd: number;
}

export interface RunEstimate {
  usd: number;
  /** Tokens as the token caps count them (cache reads at their weight, see ledger.ts). */
  tokens: number;
  breakdown: StepEstimate[];
}

/**
 * Rough shapes of a step's traffic, from the scripted conversations in test/fixtures/anthropic and
 * Claude Code's published agent runs: instructions of a few thousand tokens; an agent of ~30 turns on a
 * ~30k-token prefix (instructions, tools, repository map) that grows its conversation by ~1,500 tokens a
 * turn and reads the rest from the cache.
 */
export const trafficShape = {
  charsPerToken: 3.5,
  instructionTokens: 2_000,
  aiActionOutput: 1_500,
  agentPrefixTokens: 30_000,
  agentTurns: 30,
  agentGrowthPerTurn: 1_500,
  agentOutputPerTurn: 400,
};
const shape = trafficShape;

/** A run's expected cost before it starts, shown in the first progress comment and used by the gate. */
export function estimateRunCost(
  taskText: string,
  steps: readonly EstimatedStep[],
  defaultModel: string,
  prices: PriceTable,
): RunEstimate {
  const taskTokens = Math.ceil(taskText.length / shape.charsPerToken);
  const breakdown = steps.map((step): StepEstimate => {
    if (step.kind === "plugin") return stepEstimate(step, null, 0, 0, 0, 0);
    const model = step.model ?? defaultModel;
    const price = priceOf(prices, model);
    if (step.kind === "ai_action") {
      const input = shape.instructionTokens + taskTokens;
      const output = Math.min(step.maxTokens ?? shape.aiActionOutput, shape.aiActionOutput);
      // A single call writes its prefix to the cache (it may be reused by a retry).
      const micros = input * price.cacheWrite5m + output * price.output;
      return stepEstimate(step, model, input, output, input + output, micros);
    }
    // Agent: turn 1 writes the prefix; each later turn reads what came before and writes its growth.
    const prefix = shape.agentPrefixTokens + taskTokens;
    let micros = prefix * price.cacheWrite5m;
    let input = prefix;
    let counted = prefix;
    for (let turn = 2; turn <= shape.agentTurns; turn += 1) {
      const before = prefix + (turn - 2) * shape.agentGrowthPerTurn;
      micros += before * price.cacheRead + shape.agentGrowthPerTurn * price.cacheWrite5m;
      input += before + shape.agentGrowthPerTurn;
      counted += Math.ceil(before * cacheReadTokenWeight) + shape.agentGrowthPerTurn;
    }
    const output = shape.agentTurns * shape.agentOutputPerTurn;
    micros += output * price.output;
    return stepEstimate(step, model, input, output, counted + output, micros);
  });
  return {
    usd: breakdown.reduce((sum, s) => sum + s.usd, 0),
    tokens: breakdown.reduce((sum, s) => sum + s.countedTokens, 0),
    breakdown,
  };
}

/** One step's line of the estimate, its cost given in micro-dollars. */
function stepEstimate(
  step: EstimatedStep,
  model: string | null,
  inputTokens: number,
  outputTokens: number,
  countedTokens: number,
  micros: number,
): StepEstimate {
  return {
    step: step.name,
    kind: step.kind,
    model,
    inputTokens,
    outputTokens,
    countedTokens,
    usd: microsToUsd(micros),
  };
}
