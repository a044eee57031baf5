import type { Logger } from "pino";
import type { agentNames } from "./workflow-schema.ts";

export type AgentName = (typeof agentNames)[number];

export interface AgentCallContext {
  runId: string;
  stepName: string;
  /** Stable across retries and resumes of the step: an agent that pushes uses it to push once. */
  idempotencyKey: string;
  /** The run's lease epoch (raised by every takeover): refuse a caller older than one already seen. */
  leaseEpoch: number;
  signal: AbortSignal;
  log: Logger;
}

/**
 * What the engine needs from the agents (src/agents, later issues): run one to completion and return
 * its result. A numeric `costUsd` in the result is added to the run's cost.
 */
export interface AgentPort {
  run(
    agent: AgentName,
    input: Record<string, unknown>,
    ctx: AgentCallContext,
  ): Promise<Record<string, unknown>>;
}
