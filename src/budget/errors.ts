import { UserFacingError } from "../errors.ts";
import { formatUsd, microsToUsd } from "./money.ts";
import { type ScopeKind, scopeKind } from "./scopes.ts";

/** Which cap refused a reservation, with the figures a person needs to decide what to do. */
export interface BudgetRefusal {
  scope: string;
  measure: "cost" | "tokens";
  /** The cap, in micro-dollars or tokens. */
  cap: number;
  spent: number;
  reserved: number;
  /** What the refused call asked for. */
  requested: number;
}

const howToRaise: Record<ScopeKind, { cost: string; tokens: string; name: string }> = {
  run: {
    name: "this run's cap",
    cost: "a user with write access can raise it with `/approve-budget <amount>`, or raise limits.max_cost_per_task in ai-dev.config.yaml or .github/ai-dev.yml",
    tokens: "raise limits.max_tokens_per_task in ai-dev.config.yaml or .github/ai-dev.yml",
  },
  task: {
    name: "this task's cap",
    cost: "a user with write access can raise it with `/approve-budget <amount>`, or raise limits.max_cost_per_task in ai-dev.config.yaml or .github/ai-dev.yml",
    tokens: "raise limits.max_tokens_per_task in ai-dev.config.yaml or .github/ai-dev.yml",
  },
  repo: {
    name: "this repository's monthly budget",
    cost: "raise limits.monthly_budget in .github/ai-dev.yml (up to the operator's limit in ai-dev.config.yaml), or wait for next month",
    tokens: "raise limits.monthly_budget in .github/ai-dev.yml",
  },
  installation: {
    name: "the installation's monthly budget",
    cost: "the operator can raise limits.monthly_budget in ai-dev.config.yaml, or wait for next month",
    tokens: "raise limits.monthly_budget in ai-dev.config.yaml",
  },
};

/** Words for a refusal, posted on the issue or ticket that started the run. */
export function describeRefusal(refusal: BudgetRefusal): string {
  const kind = scopeKind(refusal.scope);
  const words = howToRaise[kind];
  if (refusal.measure === "tokens") {
    return (
      `Stopped before a model call: it could use up to ${refusal.requested} tokens, and ${words.name} ` +
      `(${refusal.scope}) of ${refusal.cap} tokens has ${refusal.spent} used and ${refusal.reserved} held by calls in flight. ` +
      `To go on, ${words.tokens}.`
    );
  }
  const usd = (micros: number) => formatUsd(microsToUsd(micros));
  return (
    `Stopped before a model call: it could cost up to ${usd(refusal.requested)}, and ${words.name} ` +
    `(${refusal.scope}) of ${usd(refusal.cap)} has ${usd(refusal.spent)} spent and ${usd(refusal.reserved)} held by calls in flight. ` +
    `To go on, ${words.cost}.`
  );
}

/** A reservation was refused: the run stops cleanly and the message says which cap, how much, and how to raise it. */
export class BudgetExceededError extends UserFacingError {
  readonly refusal: BudgetRefusal;
  constructor(refusal: BudgetRefusal) {
    super("budget_exceeded", describeRefusal(refusal));
    this.name = "BudgetExceededError";
    this.refusal = refusal;
  }
}
