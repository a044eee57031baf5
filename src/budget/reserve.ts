import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import type { BudgetRefusal } from "./errors.ts";
import { bigintToNumber } from "./money.ts";

export interface ReservationRequest {
  id: string;
  scopes: readonly string[];
  micros: number;
  tokens: number;
  runId: string | null;
  now: Date;
  /** When a crashed worker's reservation stops counting (see expire.ts). */
  expiresAt: Date;
}

export interface Reservation {
  id: string;
  scopes: string[];
  micros: number;
  tokens: number;
}

export type ReservationOutcome =
  | { ok: true; reservation: Reservation }
  | { ok: false; refusal: BudgetRefusal };

interface LockedRow {
  scope: string;
  cap_micros: string | number;
  cap_tokens: string | number | null;
  reserved_micros: string | number;
  spent_micros: string | number;
  reserved_tokens: string | number;
  spent_tokens: string | number;
  held: string | number;
}

/**
 * Holds the worst case of a model call against every scope at once, in one statement: the rows are
 * locked in scope order (no deadlock between two reservations), the verdict is taken on their latest
 * values, and the update and the reservation row are written only if every scope has room. The CHECK
 * constraints on `budgets` refuse an overrun even if this statement were wrong.
 *
 * It commits without waiting for the WAL flush (synchronous_commit off for this statement only): a
 * reservation is a hold, not a record. Other transactions see it the moment it commits, which is what
 * the cap needs; should the server crash before the flush, the hold and its reservation row vanish
 * together, consistently, and settlement records the real spend without it (see settle.ts). The ledger
 * and the spend, written by settlement, stay fully durable.
 */
export async function reserveBudget(
  db: Kysely<Database>,
  request: ReservationRequest,
): Promise<ReservationOutcome> {
  const scopes = [...new Set(request.scopes)].sort();
  const scopeArray = sql`cast(${sql.val(scopes)} as text[])`;
  const { micros, tokens } = request;
  const result = await sql<LockedRow>`
    with locked as (
      select scope, cap_micros, cap_tokens, reserved_micros, spent_micros, reserved_tokens, spent_tokens
      from budgets where scope = any(${scopeArray}) order by scope for update
    ),
    verdict as (
      select count(*) = ${scopes.length} and coalesce(bool_and(
        reserved_micros + spent_micros + ${micros} <= cap_micros
        and (cap_tokens is null or reserved_tokens + spent_tokens + ${tokens} <= cap_tokens)
      ), false) as fits
      from locked
    ),
    reserved as (
      update budgets b set
        reserved_micros = b.reserved_micros + ${micros},
        reserved_tokens = b.reserved_tokens + ${tokens},
        updated_at = ${request.now}
      from verdict v where v.fits and b.scope = any(${scopeArray})
      returning b.scope
    ),
    held as (
      insert into budget_reservations (id, scopes, micros, tokens, run_id, created_at, expires_at)
      select ${request.id}, ${scopeArray}, ${micros}, ${tokens}, ${request.runId}, ${request.now}, ${request.expiresAt}
      from verdict where fits
      returning id
    )
    select locked.*, (select count(*) from held) as held, set_config('synchronous_commit', 'off', true) as _
    from locked
  `.execute(db);

  const rows = result.rows;
  if (rows.length > 0 && bigintToNumber(rows[0]?.held) === 1) {
    return { ok: true, reservation: { id: request.id, scopes, micros, tokens } };
  }
  const missing = scopes.filter((scope) => !rows.some((row) => row.scope === scope));
  if (missing.length > 0) {
    throw new Error(`no budget row for ${missing.join(", ")}: open the run's budgets before reserving`);
  }
  return { ok: false, refusal: firstRefusal(rows, micros, tokens) };
}

/** The scope that did not fit, cost before tokens, narrowest first (run, task, repo, installation order). */
function firstRefusal(rows: readonly LockedRow[], micros: number, tokens: number): BudgetRefusal {
  const order = ["run", "task", "repo", "installation"];
  const sorted = [...rows].sort(
    (a, b) => order.indexOf(a.scope.split(":")[0] ?? "") - order.indexOf(b.scope.split(":")[0] ?? ""),
  );
  for (const row of sorted) {
    const cap = bigintToNumber(row.cap_micros);
    const spent = bigintToNumber(row.spent_micros);
    const reserved = bigintToNumber(row.reserved_micros);
    if (reserved + spent + micros > cap)
      return { scope: row.scope, measure: "cost", cap, spent, reserved, requested: micros };
  }
  for (const row of sorted) {
    if (row.cap_tokens === null) continue;
    const cap = bigintToNumber(row.cap_tokens);
    const spent = bigintToNumber(row.spent_tokens);
    const reserved = bigintToNumber(row.reserved_tokens);
    if (reserved + spent + tokens > cap)
      return { scope: row.scope, measure: "tokens", cap, spent, reserved, requested: tokens };
  }
  // Every row fitted on re-read: another call settled in between. Report the tightest one.
  const row = sorted[0];
  if (!row) throw new Error("reservation refused with no budget rows");
  return {
    scope: row.scope,
    measure: "cost",
    cap: bigintToNumber(row.cap_micros),
    spent: bigintToNumber(row.spent_micros),
    reserved: bigintToNumber(row.reserved_micros),
    requested: micros,
  };
}
