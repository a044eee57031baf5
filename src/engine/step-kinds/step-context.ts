import type { Liquid } from "liquidjs";
import type { Logger } from "pino";
import type { PluginAdapters } from "../../plugins/catalog.ts";
import type { AgentPort } from "../agent-port.ts";
import type { LoadedWorkflow } from "../loaded-workflow.ts";
import type { ModelPort } from "../model-port.ts";

/** What a step kind receives to do its work; it never sees the database. */
export interface StepContext {
  runId: string;
  /** The step's name, or `parent/name` for a rollback step. */
  stepKey: string;
  idempotencyKey: string;
  /**
   * The run's lease epoch for this execution; raised by every takeover. Passed to side effects with the
   * idempotency key, so an adapter can refuse a caller whose epoch is older than one it has seen.
   */
  leaseEpoch: number;
  /** Aborted on timeout, cancellation or shutdown. */
  signal: AbortSignal;
  log: Logger;
  workflow: LoadedWorkflow;
  liquid: Liquid;
  adapters: Partial<PluginAdapters>;
  model: ModelPort;
  agents: AgentPort;
  /** Reports money spent as soon as it is known, so a step that fails after paying still records it. */
  addCost(usd: number): void;
}

/** A step's result: its outputs, which later steps read as steps.<name>.outputs. */
export type StepOutputs = Record<string, unknown>;

/** An error that retrying cannot fix (bad inputs, a broken adapter answer): on_error: retry skips it. */
export class PermanentStepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentStepError";
  }
}
