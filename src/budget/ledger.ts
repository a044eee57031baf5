import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { bigintToNumber } from "./money.ts";

/** One model call as the ledger keeps it. */
export interface LedgerEntry {
  /** Stable across retries of settlement, so the row is written once. */
  idempotencyKey: string;
  runId: string;
  step: string;
  model: string;
  /** The model the step asked for, when a cheaper fallback was used instead. */
  requestedModel: string | null;
  requestId: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  costMicros: number;
  createdAt: Date;
}

/** Everything a call read or wrote: what the token caps count. */
export function ledgerTokens(
  entry: Pick<
    LedgerEntry,
    "inputTokens" | "outputTokens" | "cacheWrite5mTokens" | "cacheWrite1hTokens" | "cacheReadTokens"
  >,
): number {
  return (
    entry.inputTokens +
    entry.outputTokens +
    entry.cacheWrite5mTokens +
    entry.cacheWrite1hTokens +
    entry.cacheReadTokens
  );
}

/** A run's calls in the order they were made: the source of its cost report. */
export async function runLedger(db: Kysely<Database>, runId: string): Promise<LedgerEntry[]> {
  const rows = await db
    .selectFrom("model_calls")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("created_at")
    .orderBy("idempotency_key")
    .execute();
  return rows.map((row) => ({
    idempotencyKey: row.idempotency_key,
    runId: row.run_id,
    step: row.step,
    model: row.model,
    requestedModel: row.requested_model,
    requestId: row.request_id,
    inputTokens: bigintToNumber(row.input_tokens),
    outputTokens: bigintToNumber(row.output_tokens),
    cacheWrite5mTokens: bigintToNumber(row.cache_write_5m_tokens),
    cacheWrite1hTokens: bigintToNumber(row.cache_write_1h_tokens),
    cacheReadTokens: bigintToNumber(row.cache_read_tokens),
    costMicros: bigintToNumber(row.cost_micros),
    createdAt: row.created_at,
  }));
}
