import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import { type LedgerEntry, ledgerTokens } from "./ledger.ts";
import { bigintToNumber } from "./money.ts";
import type { Reservation } from "./reserve.ts";

export interface SettleOutcome {
  /** False when this call was already in the ledger: a retried settlement changed nothing. */
  recorded: boolean;
  /** False when the reservation had already expired and been released by the sweeper. */
  released: boolean;
}

/**
 * Writes the call to the ledger, adds its real cost to every scope and releases the reservation, in one
 * statement. The ledger's primary key is the idempotency key: a second settlement of the same call
 * inserts nothing, and the spend is only added when the insert happened. If the reservation already
 * expired, the spend is still added (the money was spent) and nothing is released twice. Spend beyond
 * the room left (input larger than estimated) goes to `overrun_*`, so the cap constraint stays true and
 * the overrun stays visible.
 */
export async function settleModelCall(
  db: Kysely<Database>,
  reservation: Reservation,
  entry: LedgerEntry,
): Promise<SettleOutcome> {
  const scopeArray = sql`cast(${sql.val(reservation.scopes)} as text[])`;
  const cost = entry.costMicros;
  const tokens = ledgerTokens(entry);
  const result = await sql<{ recorded: string | number; released: string | number }>`
    with recorded as (
      insert into model_calls (idempotency_key, run_id, step, model, requested_model, request_id, scopes,
        input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens,
        cost_micros, created_at)
      values (${entry.idempotencyKey}, ${entry.runId}, ${entry.step}, ${entry.model}, ${entry.requestedModel},
        ${entry.requestId}, ${scopeArray}, ${entry.inputTokens}, ${entry.outputTokens}, ${entry.cacheWrite5mTokens},
        ${entry.cacheWrite1hTokens}, ${entry.cacheReadTokens}, ${cost}, ${entry.createdAt})
      on conflict (idempotency_key) do nothing
      returning 1
    ),
    released as (
      delete from budget_reservations where id = ${reservation.id} returning micros, tokens
    ),
    p as (
      select
        coalesce((select micros from released), 0) as rel_m,
        coalesce((select tokens from released), 0) as rel_t,
        (select count(*) from recorded) as rec,
        (select count(*) from released) as rel
    ),
    -- The room is computed from b.* inside SET, i.e. from the row's latest version once it is locked,
    -- so a reservation made since this statement's snapshot is counted.
    applied as (
      update budgets b set
        reserved_micros = b.reserved_micros - p.rel_m,
        reserved_tokens = b.reserved_tokens - p.rel_t,
        spent_micros = b.spent_micros + p.rec * least(${cost},
          greatest(0, b.cap_micros - (b.reserved_micros - p.rel_m) - b.spent_micros)),
        overrun_micros = b.overrun_micros + p.rec * greatest(0, ${cost} -
          greatest(0, b.cap_micros - (b.reserved_micros - p.rel_m) - b.spent_micros)),
        spent_tokens = b.spent_tokens + p.rec * (case when b.cap_tokens is null then ${tokens} else least(${tokens},
          greatest(0, b.cap_tokens - (b.reserved_tokens - p.rel_t) - b.spent_tokens)) end),
        overrun_tokens = b.overrun_tokens + p.rec * (case when b.cap_tokens is null then 0 else greatest(0, ${tokens} -
          greatest(0, b.cap_tokens - (b.reserved_tokens - p.rel_t) - b.spent_tokens)) end),
        updated_at = ${entry.createdAt}
      from p
      where b.scope = any(${scopeArray}) and (p.rec > 0 or p.rel > 0)
      returning b.scope
    )
    select (select rec from p) as recorded, (select rel from p) as released, (select count(*) from applied) as applied
  `.execute(db);
  const row = result.rows[0];
  return { recorded: bigintToNumber(row?.recorded) > 0, released: bigintToNumber(row?.released) > 0 };
}

/** Gives a reservation back without spending (the call failed before the model did any work). */
export async function releaseReservation(
  db: Kysely<Database>,
  reservation: Reservation,
  now: Date,
): Promise<boolean> {
  const scopeArray = sql`cast(${sql.val(reservation.scopes)} as text[])`;
  const result = await sql<{ released: string | number }>`
    with released as (
      delete from budget_reservations where id = ${reservation.id} returning micros, tokens
    ),
    applied as (
      update budgets b set
        reserved_micros = b.reserved_micros - r.micros,
        reserved_tokens = b.reserved_tokens - r.tokens,
        updated_at = ${now}
      from released r where b.scope = any(${scopeArray})
      returning b.scope
    )
    select (select count(*) from released) as released, (select count(*) from applied) as applied
  `.execute(db);
  return bigintToNumber(result.rows[0]?.released) > 0;
}
