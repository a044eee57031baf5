import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { bigintToNumber } from "./money.ts";

/** A budget row as numbers (micro-dollars and tokens). */
export interface BudgetState {
  scope: string;
  capMicros: number;
  capTokens: number | null;
  reservedMicros: number;
  spentMicros: number;
  overrunMicros: number;
  reservedTokens: number;
  spentTokens: number;
  overrunTokens: number;
}

export async function readBudgets(
  db: Kysely<Database>,
  scopes: readonly string[],
): Promise<Map<string, BudgetState>> {
  if (scopes.length === 0) return new Map();
  const rows = await db
    .selectFrom("budgets")
    .selectAll()
    .where("scope", "in", [...scopes])
    .execute();
  return new Map(
    rows.map((row) => [
      row.scope,
      {
        scope: row.scope,
        capMicros: bigintToNumber(row.cap_micros),
        capTokens: row.cap_tokens === null ? null : bigintToNumber(row.cap_tokens),
        reservedMicros: bigintToNumber(row.reserved_micros),
        spentMicros: bigintToNumber(row.spent_micros),
        overrunMicros: bigintToNumber(row.overrun_micros),
        reservedTokens: bigintToNumber(row.reserved_tokens),
        spentTokens: bigintToNumber(row.spent_tokens),
        overrunTokens: bigintToNumber(row.overrun_tokens),
      },
    ]),
  );
}
