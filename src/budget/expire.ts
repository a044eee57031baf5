import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.ts";
import { bigintToNumber } from "./money.ts";

/**
 * Releases reservations whose worker died between reserve and settle. Run it on a timer (and at worker
 * start); a reservation's lifetime is longer than the longest call, so a live call is never released
 * under its feet, and if one were, settlement still records the spend (see settle.ts).
 */
export async function releaseExpiredReservations(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await sql<{ released: string | number }>`
    with gone as (
      delete from budget_reservations where expires_at <= ${now} returning scopes, micros, tokens
    ),
    per_scope as (
      select s.scope, sum(g.micros) as micros, sum(g.tokens) as tokens
      from gone g, unnest(g.scopes) as s(scope)
      group by s.scope
    ),
    applied as (
      update budgets b set
        reserved_micros = b.reserved_micros - per_scope.micros,
        reserved_tokens = b.reserved_tokens - per_scope.tokens,
        updated_at = ${now}
      from per_scope where b.scope = per_scope.scope
      returning b.scope
    )
    select (select count(*) from gone) as released, (select count(*) from applied) as applied
  `.execute(db);
  return bigintToNumber(result.rows[0]?.released);
}
