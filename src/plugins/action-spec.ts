import type { Logger } from "pino";
import type { z } from "zod";

/** One action a plugin slot offers: what it takes, what it returns, and whether it changes anything. */
export interface ActionSpec {
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  /** True when the action writes somewhere: the engine then passes an idempotency key and offers rollback. */
  sideEffects: boolean;
  /**
   * The name the plan gives the whole result (get_task's is "task"), so `outputs: { task: task_data }`
   * stores the result itself; a field of the result with that name would win.
   */
  resultName?: string;
  /**
   * True when the action hands finished work to people (opens a pull request). Once it succeeded the run
   * has delivered: a later failure never undoes what the delivery stands on (see src/engine/rollback.ts).
   */
  delivers?: boolean;
  /** True when the action can take delivered work away (deletes a branch): no rollback runs it after a delivery. */
  undoesDelivery?: boolean;
}

/** What every adapter call receives besides its input. */
export interface PluginCallContext {
  runId: string;
  stepName: string;
  /** Stable across retries and resumes of the same step: an adapter that writes uses it to write once. */
  idempotencyKey: string;
  /**
   * The run's lease epoch, raised by every takeover of the run: an adapter that remembers the highest
   * epoch it saw for a key can refuse a stale caller (a worker that lost the run but is still writing).
   */
  leaseEpoch: number;
  signal: AbortSignal;
  log: Logger;
}

/** The adapter interface of a slot, derived from its action specs so the types are never written twice. */
export type AdapterFor<Actions extends Record<string, ActionSpec>> = {
  [K in keyof Actions]: (
    input: z.output<Actions[K]["input"]>,
    ctx: PluginCallContext,
  ) => Promise<z.input<Actions[K]["output"]>>;
};
