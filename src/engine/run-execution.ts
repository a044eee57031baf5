import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Database } from "../db/schema.ts";
import type { PluginAdapters } from "../plugins/catalog.ts";
import type { AgentPort } from "./agent-port.ts";
import type { LoadedWorkflow, WorkflowRegistry } from "./loaded-workflow.ts";
import type { ModelPort } from "./model-port.ts";
import type { Fence, RunRecord, StepRunRecord } from "./run-store.ts";

/** What executeRun needs besides the database: everything that acts or decides time is passed in. */
export interface ExecuteRunDeps {
  workflows: WorkflowRegistry;
  adapters: Partial<PluginAdapters>;
  model: ModelPort;
  agents: AgentPort;
  log: Logger;
  /** Names this process in the run's lease. */
  workerId: string;
  clock?: () => Date;
  /** How retry backoff waits; tests pass one that records the delay and returns at once. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborts the run at the next safe point (shutdown); the run stays resumable. */
  signal?: AbortSignal;
  /**
   * How long a lease lasts without renewal (default 30 s): a dead worker's run can be taken over this
   * long after its last heartbeat.
   */
  leaseMs?: number;
  /**
   * How often the lease is renewed and a cancel request looked for while the run executes (default a
   * third of leaseMs, at most 2 s, so /cancel stops a running step within seconds).
   */
  heartbeatMs?: number;
  /**
   * How long a stopped step (timeout, cancel, shutdown, lost lease) gets to end before it is given up
   * on (default 20 s). No retry, rollback or other worker starts the step while it may still run.
   */
  stopGraceMs?: number;
  /** Secret values to scrub from stored step inputs and outputs (API keys, tokens). */
  secrets?: readonly string[];
  /** Called after each step is recorded (succeeded, failed or skipped), e.g. to update a progress comment. */
  onStepFinished?: () => Promise<void>;
}

/** A step's state as later steps read it: steps.<name>.status and steps.<name>.outputs. */
export interface StepState {
  status: string;
  outputs: Record<string, unknown>;
}

/** The state of one executeRun call: the run, what its finished steps produced, and how to act. */
export interface RunExecution {
  db: Kysely<Database>;
  deps: ExecuteRunDeps;
  run: RunRecord;
  /** This execution's hold on the run: every write to the run and its steps goes through it. */
  fence: Fence;
  workflow: LoadedWorkflow;
  log: Logger;
  /** Aborted on shutdown, on a lost lease, or when a cancel request is seen. */
  signal: AbortSignal;
  clock: () => Date;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  variables: Record<string, unknown>;
  steps: Record<string, StepState>;
  rollbackRows: Map<string, StepRunRecord>;
  costUsdMicros: number;
  /** The run's failure once it is rolling back: rollback steps read it as `${run.error}`. */
  failure?: { code: string; message: string } | undefined;
}

const slots = ["task_management", "version_control", "documentation", "communication"] as const;

/** The names `${…}` and `if:` expressions can read at this point of the run. */
export function expressionScope(exec: RunExecution): Record<string, unknown> {
  return {
    ...exec.variables,
    steps: exec.steps,
    context: exec.run.context,
    run: {
      id: exec.run.id,
      workflow: exec.run.workflow,
      error: exec.failure?.message ?? "",
      // What the run has spent so far, in dollars with cents, for what a step says (a PR body).
      cost_usd: (exec.costUsdMicros / 1_000_000).toFixed(2),
    },
    plugins: Object.fromEntries(slots.map((slot) => [slot, exec.deps.adapters[slot] !== undefined])),
  };
}
