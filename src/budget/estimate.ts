import { type PriceTable, priceOf } from "../ai/pricing.ts";
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
  usd: number;
}

export interface RunEstimate {
  usd: number;
  tokens: number;
  breakdown: StepEstimate[];
}

/**
 * Rough shapes of a step's traffic, from the scripted conversations in test/fixtures/anthropic and
 * Claude Code's published agent runs: instructions of a few thousand tokens, an agent of ~15 turns that
 * grows its conversation by ~1,500 tokens a turn and reads the rest from the cache.
 */
const shape = {
  charsPerToken: 3.5,
  instructionTokens: 2_000,
  aiActionOutput: 1_500,
  agentPrefixTokens: 8_000,
  agentTurns: 15,
  agentGrowthPerTurn: 1_500,
  agentOutputPerTurn: 400,
};

/** A run's expected cost before it starts, shown in the first progress comment and used by the gate. */
export function estimateRunCost(
  taskText: string,
  steps: readonly EstimatedStep[],
  defaultModel: string,
  prices: PriceTable,
): RunEstimate {
  const taskTokens = Math.ceil(taskText.length / shape.charsPerToken);
  const breakdown = steps.map((step): StepEstimate => {
    if (step.kind === "plugin") return stepEstimate(step, null, 0, 0, 0);
    const model = step.model ?? defaultModel;
    const price = priceOf(prices, model);
    if (step.kind === "ai_action") {
      const input = shape.instructionTokens + taskTokens;
      const output = Math.min(step.maxTokens ?? shape.aiActionOutput, shape.aiActionOutput);
      // A single call writes its prefix to the cache (it may be reused by a retry).
      return stepEstimate(step, model, input, output, input * price.cacheWrite5m + output * price.output);
    }
    // Agent: turn 1 writes the prefix; each later turn reads what came before and writes its growth.
    const prefix = shape.agentPrefixTokens + taskTokens;
    let micros = prefix * price.cacheWrite5m;
    let input = prefix;
    for (let turn = 2; turn <= shape.agentTurns; turn += 1) {
      const before = prefix + (turn - 2) * shape.agentGrowthPerTurn;
      micros += before * price.cacheRead + shape.agentGrowthPerTurn * price.cacheWrite5m;
      input += before + shape.agentGrowthPerTurn;
    }
    const output = shape.agentTurns * shape.agentOutputPerTurn;
    micros += output * price.output;
    return stepEstimate(step, model, input, output, micros);
  });
  return {
    usd: breakdown.reduce((sum, s) => sum + s.usd, 0),
    tokens: breakdown.reduce((sum, s) => sum + s.inputTokens + s.outputTokens, 0),
    breakdown,
  };
}

/** One step's line of the estimate, its cost given in micro-dollars. */
function stepEstimate(
  step: EstimatedStep,
  model: string | null,
  inputTokens: number,
  outputTokens: number,
  micros: number,
): StepEstimate {
  return { step: step.name, kind: step.kind, model, inputTokens, outputTokens, usd: microsToUsd(micros) };
}
