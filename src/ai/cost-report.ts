import type { LedgerEntry } from "../budget/ledger.ts";
import { formatUsd, microsToUsd } from "../budget/money.ts";

export interface StepCost {
  step: string;
  models: string[];
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costMicros: number;
  /** "requested → used" for each fallback switch in this step. */
  fallbacks: string[];
}

/** A run's ledger summed per step, in the order the steps first called the model. */
export function costByStep(entries: readonly LedgerEntry[]): StepCost[] {
  const steps = new Map<string, StepCost>();
  for (const e of entries) {
    let s = steps.get(e.step);
    if (!s) {
      s = {
        step: e.step,
        models: [],
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        costMicros: 0,
        fallbacks: [],
      };
      steps.set(e.step, s);
    }
    if (!s.models.includes(e.model)) s.models.push(e.model);
    if (e.requestedModel) {
      const note = `${e.requestedModel} → ${e.model}`;
      if (!s.fallbacks.includes(note)) s.fallbacks.push(note);
    }
    s.calls += 1;
    s.inputTokens += e.inputTokens;
    s.outputTokens += e.outputTokens;
    s.cacheWriteTokens += e.cacheWrite5mTokens + e.cacheWrite1hTokens;
    s.cacheReadTokens += e.cacheReadTokens;
    s.costMicros += e.costMicros;
  }
  return [...steps.values()];
}

const n = (value: number) => value.toLocaleString("en-US");

/** The cost table shown in the progress comment, the PR description and the tracker comment. */
export function renderCostReport(entries: readonly LedgerEntry[]): string {
  const steps = costByStep(entries);
  if (steps.length === 0) return "_No model calls yet._";
  const lines = [
    "| Step | Model | Calls | Input | Output | Cache write | Cache read | Cost |",
    "|---|---|--:|--:|--:|--:|--:|--:|",
  ];
  const total = { calls: 0, input: 0, output: 0, write: 0, read: 0, micros: 0 };
  for (const s of steps) {
    lines.push(
      `| ${s.step} | ${s.models.join(", ")} | ${s.calls} | ${n(s.inputTokens)} | ${n(s.outputTokens)} | ${n(s.cacheWriteTokens)} | ${n(s.cacheReadTokens)} | ${formatUsd(microsToUsd(s.costMicros))} |`,
    );
    total.calls += s.calls;
    total.input += s.inputTokens;
    total.output += s.outputTokens;
    total.write += s.cacheWriteTokens;
    total.read += s.cacheReadTokens;
    total.micros += s.costMicros;
  }
  lines.push(
    `| **Total** | | ${total.calls} | ${n(total.input)} | ${n(total.output)} | ${n(total.write)} | ${n(total.read)} | **${formatUsd(microsToUsd(total.micros))}** |`,
  );
  const switches = steps.flatMap((s) => s.fallbacks.map((f) => `- ${s.step}: budget low, switched ${f}`));
  if (switches.length > 0) lines.push("", ...switches);
  return lines.join("\n");
}
