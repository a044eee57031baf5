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

/**
 * How much one token read from the prompt cache counts against a token cap: its price weight, a tenth
 * (every Claude model bills a cache read at 0.1 × its base input price). Token caps count what costs: an
 * agent re-reads its whole conversation every turn, and counting those reads at full weight would stop
 * a 30-turn run on a 30k-token prefix at about a tenth of its work for the price of one uncached turn.
 */
export const cacheReadTokenWeight = 0.1;

/**
 * What a call counts against a token cap: input, cache writes and output at full weight, cache reads at
 * `cacheReadTokenWeight` (rounded up). A reservation holds every estimated input token at full weight,
 * since nothing is known to be cached before the call, so a settlement never counts more than it held
 * for the same input.
 */
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
    Math.ceil(entry.cacheReadTokens * cacheReadTokenWeight)
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
