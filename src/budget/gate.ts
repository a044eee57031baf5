import type { RunEstimate } from "./estimate.ts";
import { formatUsd, microsToUsd } from "./money.ts";
import type { BudgetState } from "./read.ts";

export type GateDecision =
  | { kind: "proceed" }
  | {
      kind: "wait-for-approval";
      /** The run cap that would let the estimate through, in US dollars (rounded up to a cent). */
      suggestedCapUsd: number;
      /** False when even an approval cannot help: the month has not enough left. */
      approvable: boolean;
      message: string;
    };

const left = (s: BudgetState | undefined) =>
  s ? Math.max(0, s.capMicros - s.spentMicros - s.reservedMicros) : 0;

const tokensLeft = (s: BudgetState) =>
  s.capTokens === null
    ? Number.POSITIVE_INFINITY
    : Math.max(0, s.capTokens - s.spentTokens - s.reservedTokens);

/**
 * Before a run starts: if its estimate is more than the run's or the task's cap allows, in dollars or in
 * tokens, or more than the month has left, it waits and says so on the thread, rather than starting and
 * dying half-way.
 */
export function decideRunStart(
  estimate: RunEstimate,
  budgets: { run: BudgetState; task: BudgetState; repoMonth: BudgetState; installationMonth: BudgetState },
): GateDecision {
  const needed = Math.ceil(estimate.usd * 1_000_000);
  const runLeft = Math.min(left(budgets.run), left(budgets.task));
  const monthLeft = Math.min(left(budgets.repoMonth), left(budgets.installationMonth));
  const runTokensLeft = Math.min(tokensLeft(budgets.run), tokensLeft(budgets.task));
  const tokensFit = estimate.tokens <= runTokensLeft;
  if (needed <= runLeft && needed <= monthLeft && tokensFit) return { kind: "proceed" };
  const usd = (micros: number) => formatUsd(microsToUsd(micros));
  if (needed > monthLeft) {
    const which =
      left(budgets.repoMonth) <= left(budgets.installationMonth) ? "this repository's" : "the installation's";
    return {
      kind: "wait-for-approval",
      suggestedCapUsd: Math.ceil(needed / 10_000) / 100,
      approvable: false,
      message:
        `This run is estimated at ${usd(needed)}, and ${which} monthly budget has ${usd(monthLeft)} left. ` +
        "It has not started. An admin can raise limits.monthly_budget in ai-dev.config.yaml (or .github/ai-dev.yml, up to the operator's cap); the run waits until then.",
    };
  }
  const run = budgets.run;
  // /approve-budget raises the token caps in proportion to the run's dollar cap (approve.ts), so the
  // amount to approve is the larger of what the dollars and what the tokens need.
  const forDollars = run.spentMicros + run.reservedMicros + needed;
  const forTokens = tokensFit ? 0 : Math.ceil(run.capMicros * tokenGrowthNeeded(estimate.tokens, run));
  const suggested = Math.ceil(Math.max(forDollars, forTokens) / 10_000) / 100;
  const approve =
    `It has not started. A user with write access can approve it with \`/approve-budget ${suggested.toFixed(2)}\` ` +
    `(the month has ${usd(monthLeft)} left)`;
  if (!tokensFit) {
    return {
      kind: "wait-for-approval",
      suggestedCapUsd: suggested,
      approvable: true,
      message:
        `This run is estimated at ${estimate.tokens.toLocaleString("en-US")} tokens, more than the ${runTokensLeft.toLocaleString("en-US")} its token cap allows ` +
        `(limits.max_tokens_per_task ${(run.capTokens ?? 0).toLocaleString("en-US")}). ${approve}, which raises the token caps in proportion, ` +
        "or raise limits.max_tokens_per_task in ai-dev.config.yaml or .github/ai-dev.yml.",
    };
  }
  return {
    kind: "wait-for-approval",
    suggestedCapUsd: suggested,
    approvable: true,
    message:
      `This run is estimated at ${usd(needed)}, more than the ${usd(runLeft)} its cap allows (limits.max_cost_per_task ${usd(run.capMicros)}). ` +
      `${approve}, or raise limits.max_cost_per_task in ai-dev.config.yaml or .github/ai-dev.yml.`,
  };
}

/**
 * By what factor the run's token cap must grow for `tokens` more to fit. The task's token cap needs no
 * factor of its own: an approval gives the task at least the room it gives the run.
 */
function tokenGrowthNeeded(tokens: number, run: BudgetState): number {
  if (run.capTokens === null || run.capTokens === 0) return 1;
  return Math.max(1, (run.spentTokens + run.reservedTokens + tokens) / run.capTokens);
}
