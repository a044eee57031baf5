import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** The tables of the app's database, one interface per table; migrations in ./migrations create them. */
export interface Database {
  deliveries: DeliveriesTable;
  runs: RunsTable & RunIntakeColumns;
  installations: InstallationsTable;
  audit_log: AuditLogTable;
  step_runs: StepRunsTable;
  budgets: BudgetsTable;
  budget_reservations: BudgetReservationsTable;
  model_calls: ModelCallsTable;
  agent_checkpoints: AgentCheckpointsTable;
  app_comments: AppCommentsTable;
  run_threads: RunThreadsTable;
  api_tokens: ApiTokensTable;
  api_sessions: ApiSessionsTable;
  plan_drafts: PlanDraftsTable;
  plan_created_tasks: PlanCreatedTasksTable;
}

export interface DeliveriesTable {
  id: string;
  source: string;
  event: string;
  installation_id: ColumnType<string | null, number | string | null | undefined, never>;
  repository: string | null;
  received_at: Generated<Date>;
  /** SHA-256 of the raw body (hex); unique, so a replayed body is recognised. */
  digest: ColumnType<string | null, string | null | undefined, never>;
  /** Why a signed delivery was refused; null when it was accepted. */
  rejected_reason: ColumnType<string | null, string | null | undefined, never>;
  /** The accepted trigger (a TriggerEvent, as JSON text when written), waiting for its intake job. */
  trigger: ColumnType<unknown, string | null | undefined, never>;
  /** When the relay queued the trigger's intake job; null while it waits (src/queue/intake-relay.ts). */
  relayed_at: ColumnType<Date | null, never, Date | null>;
}
export type Delivery = Selectable<DeliveriesTable>;
export type NewDelivery = Insertable<DeliveriesTable>;

// Budgets and the model-call ledger (src/budget, src/ai). bigint columns read back as string on pg and
// number on PGlite: readers convert with Number().
type BigintColumn = ColumnType<string | number, number | bigint, number | bigint>;
type BigintDefaulted = ColumnType<string | number, number | bigint | undefined, number | bigint>;

export interface BudgetsTable {
  scope: string;
  cap_micros: BigintColumn;
  cap_tokens: ColumnType<string | number | null, number | bigint | null | undefined, number | bigint | null>;
  reserved_micros: BigintDefaulted;
  spent_micros: BigintDefaulted;
  reserved_tokens: BigintDefaulted;
  spent_tokens: BigintDefaulted;
  overrun_micros: BigintDefaulted;
  overrun_tokens: BigintDefaulted;
  updated_at: Generated<Date>;
}

export interface BudgetReservationsTable {
  id: string;
  scopes: string[];
  micros: BigintColumn;
  tokens: BigintColumn;
  run_id: string | null;
  created_at: Date;
  expires_at: Date;
}

export interface ModelCallsTable {
  idempotency_key: string;
  run_id: string;
  step: string;
  model: string;
  requested_model: string | null;
  request_id: string | null;
  scopes: string[];
  input_tokens: BigintColumn;
  output_tokens: BigintColumn;
  cache_write_5m_tokens: BigintColumn;
  cache_write_1h_tokens: BigintColumn;
  cache_read_tokens: BigintColumn;
  cost_micros: BigintColumn;
  created_at: Date;
}

/** A jsonb column: written as JSON text (pg would turn a JS array into a PostgreSQL array), read parsed. */
export type RunJsonColumn = ColumnType<unknown, string, string>;
/** A bigint column: pg returns int8 as a string, PGlite as a number; read it with Number(). */
export type RunMicrosColumn = ColumnType<string | number, number | undefined, number>;

/** A run of a workflow (src/engine). */
export interface RunsTable {
  id: string;
  workflow: string;
  status: string;
  inputs: RunJsonColumn;
  variables: RunJsonColumn;
  context: RunJsonColumn;
  error_code: string | null;
  error_message: string | null;
  cost_usd_micros: RunMicrosColumn;
  cancel_requested_at: Date | null;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  /** Raised by every lease acquisition; the engine's writes are conditioned on it (fencing). */
  lease_epoch: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, Date>;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** One step of a run in one phase (main or rollback); retries update the same row. */
export interface StepRunsTable {
  id: string;
  run_id: string;
  step_name: string;
  phase: string;
  position: number;
  kind: string;
  status: string;
  attempt: number;
  idempotency_key: string;
  inputs: ColumnType<unknown, string | null, string | null>;
  outputs: ColumnType<unknown, string | null, string | null>;
  error: string | null;
  cost_usd_micros: RunMicrosColumn;
  /** The run's lease epoch when the current attempt started. */
  lease_epoch: ColumnType<number, number | undefined, number>;
  started_at: ColumnType<Date, Date | undefined, Date>;
  finished_at: Date | null;
}

/** The intake layer's columns on runs (src/runs): where a run came from and what it answers to. */
export interface RunIntakeColumns {
  source: string | null;
  repository: string | null;
  installation_id: number | null;
  target_kind: string | null;
  target_number: number | null;
  actor: string | null;
  delivery_id: string | null;
  active_key: string | null;
  progress_comment_id: number | null;
  pull_request_number: number | null;
  /** A tracker ticket's key (ABC-1) for runs started from Jira or Linear; null for GitHub's. */
  task_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface InstallationsTable {
  id: number;
  account_login: string;
  account_type: string;
  repository_selection: string | null;
  suspended_at: Date | null;
  deleted_at: Date | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | undefined, never>;
  actor: string | null;
  action: string;
  repository: string | null;
  target: string | null;
  run_id: string | null;
  delivery_id: string | null;
  details: ColumnType<unknown, string | undefined, never>;
}
export type NewAuditEntry = Insertable<AuditLogTable>;

/** An agent step's last finished turn (src/agents/checkpoints.ts). */
export interface AgentCheckpointsTable {
  run_id: string;
  step_key: string;
  turn: number;
  messages: ColumnType<unknown, string, string>;
  diff: ColumnType<string, string | undefined, string>;
  base_commit: string | null;
  state: ColumnType<unknown, string | undefined, string>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** A comment the app posted, counted by the per-installation rate limit (src/runs/comment-rate-limit.ts). */
export interface AppCommentsTable {
  id: Generated<number>;
  installation_id: ColumnType<string | number, number, number>;
  repository: string;
  number: number;
  posted_at: ColumnType<Date, Date | undefined, Date>;
}

/** A run's thread in a team channel (src/runs/run-threads.ts): its first message there. */
export interface RunThreadsTable {
  run_id: string;
  channel: string;
  thread_id: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** The API's tokens (src/ops/api-tokens.ts): digests only, never the token itself. */
export interface ApiTokensTable {
  id: string;
  name: string;
  digest: string;
  prefix: string;
  scopes: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The dashboard's cookie sessions (src/ops/api-sessions.ts): digests only, read scope only. */
export interface ApiSessionsTable {
  digest: string;
  token_id: string | null;
  operator_digest: string | null;
  name: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
}

/** The last plan posted on a task (src/agents/planning/plan-store.ts). */
export interface PlanDraftsTable {
  task_key: string;
  run_id: string;
  plan: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** A tracker task filed from a plan (src/agents/planning/plan-store.ts). */
export interface PlanCreatedTasksTable {
  task_key: string;
  item: string;
  created_key: string;
  url: string;
  run_id: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}
