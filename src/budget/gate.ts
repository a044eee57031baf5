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

/**
 * Before a run starts: if its estimate is more than the run's cap or the month has left, it waits and
 * says so on the thread, rather than starting and dying half-way.
 */
export function decideRunStart(
  estimate: RunEstimate,
  budgets: { run: BudgetState; task: BudgetState; repoMonth: BudgetState; installationMonth: BudgetState },
): GateDecision {
  const needed = Math.ceil(estimate.usd * 1_000_000);
  const runLeft = Math.min(left(budgets.run), left(budgets.task));
  const monthLeft = Math.min(left(budgets.repoMonth), left(budgets.installationMonth));
  if (needed <= runLeft && needed <= monthLeft) return { kind: "proceed" };
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
  const suggested = Math.ceil((budgets.run.spentMicros + budgets.run.reservedMicros + needed) / 10_000) / 100;
  return {
    kind: "wait-for-approval",
    suggestedCapUsd: suggested,
    approvable: true,
    message:
      `This run is estimated at ${usd(needed)}, more than the ${usd(runLeft)} its cap allows (limits.max_cost_per_task ${usd(budgets.run.capMicros)}). ` +
      `It has not started. A user with write access can approve it with \`/approve-budget ${suggested.toFixed(2)}\` ` +
      `(the month has ${usd(monthLeft)} left), or raise limits.max_cost_per_task in ai-dev.config.yaml or .github/ai-dev.yml.`,
  };
}
