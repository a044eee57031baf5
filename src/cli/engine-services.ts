import { createAnthropic, ModelClient } from "../ai/client.ts";
import { priceTableFromConfig } from "../ai/pricing.ts";
import { StepModel } from "../ai/step-model.ts";
import { allScopes } from "../budget/scopes.ts";
import type { AppDatabase } from "../db/connect.ts";
import type { AgentPort } from "../engine/agent-port.ts";
import { UserFacingError } from "../errors.ts";
import { scopesOfRun } from "../runs/run-budget.ts";
import type { RunRef } from "../runs/run-ref.ts";
import type { EngineServices } from "../runs/worker.ts";
import type { AppContext } from "./app-context.ts";

/**
 * What a run's steps act with in production, for one run: the budgeted model client, the adapters of
 * the enabled plugins, and the agents.
 */
export async function engineServices(
  context: AppContext,
  database: AppDatabase,
  ref: RunRef,
): Promise<EngineServices> {
  const { loaded, log } = context;
  const client = new ModelClient({
    anthropic: createAnthropic(loaded.config.ai_provider),
    db: database.db,
    prices: priceTableFromConfig(loaded.config.ai_provider),
    defaultModel: loaded.config.ai_provider.model,
    logger: log.child({ component: "model" }),
  });
  const scopes = allScopes(scopesOfRun({ ...ref, id: ref.runId }));
  return {
    model: new StepModel({ client, scopesFor: () => scopes }),
    adapters: {},
    agents: unavailableAgents,
  };
}

/**
 * The planning, development and revision agents are built in later issues; until then an agent step
 * fails its run with a clear message instead of pretending to work.
 */
const unavailableAgents: AgentPort = {
  run: async (agent) => {
    throw new UserFacingError(
      "agent_unavailable",
      `the ${agent} agent is not available in this version of ai-dev, so this workflow cannot finish yet`,
    );
  },
};
