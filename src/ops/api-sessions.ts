import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { type ApiCaller, tokenDigest } from "./api-tokens.ts";

/** The cookie the dashboard's session travels in (HttpOnly: no page script can read it). */
export const sessionCookieName = "aidev_session";
export const sessionTtlSeconds = 12 * 60 * 60;

/**
 * A read-only session made from an API token the caller just presented, for the browser dashboard: the
 * token is never put in a URL (EventSource cannot send headers) nor kept by the page. Stored as a
 * digest like the tokens; it ends with its token, at its expiry, or when the dashboard logs out.
 */
export async function createSession(
  db: Kysely<Database>,
  caller: ApiCaller,
  presentedToken: string,
  now = new Date(),
  ttlSeconds = sessionTtlSeconds,
): Promise<{ value: string; expiresAt: Date }> {
  const value = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + Math.min(ttlSeconds, sessionTtlSeconds) * 1000);
  const isOperator = caller.id === "operator";
  // Expired sessions are cleared as new ones are made: there is no other writer of this table.
  await db.deleteFrom("api_sessions").where("expires_at", "<", now).execute();
  await db
    .insertInto("api_sessions")
    .values({
      digest: tokenDigest(value),
      token_id: isOperator ? null : caller.id,
      // An operator token is not stored: its digest ties the session to it, so a rotated one ends it.
      operator_digest: isOperator ? tokenDigest(presentedToken) : null,
      name: caller.name,
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return { value, expiresAt };
}

/** Who holds this session cookie: read scope only, whatever the token it was made from could do. */
export async function sessionCaller(
  db: Kysely<Database>,
  value: string,
  operatorTokens: readonly string[],
  now = new Date(),
): Promise<ApiCaller | undefined> {
  const row = await db
    .selectFrom("api_sessions")
    .leftJoin("api_tokens", "api_tokens.id", "api_sessions.token_id")
    .select([
      "api_sessions.token_id",
      "api_sessions.operator_digest",
      "api_sessions.name",
      "api_tokens.revoked_at",
    ])
    .where("api_sessions.digest", "=", tokenDigest(value))
    .where("api_sessions.expires_at", ">", now)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.token_id !== null) {
    if (row.revoked_at !== null) return undefined;
    return { id: row.token_id, name: row.name, scopes: ["read"] };
  }
  const digest = Buffer.from(row.operator_digest ?? "", "hex");
  const isLive = operatorTokens.some((t) => {
    const d = Buffer.from(tokenDigest(t), "hex");
    return d.length === digest.length && timingSafeEqual(d, digest);
  });
  return isLive ? { id: "operator", name: row.name, scopes: ["read"] } : undefined;
}

export async function endSession(db: Kysely<Database>, value: string): Promise<void> {
  await db.deleteFrom("api_sessions").where("digest", "=", tokenDigest(value)).execute();
}
