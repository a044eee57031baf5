import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";

/**
 * What a token may do: `read` the runs and budgets, `write` (start and cancel work; implies read).
 * `admin` (manage tokens) belongs only to the operator's own tokens: AI_DEV_API_TOKEN and the token in
 * the embedded database's lock file.
 */
export const tokenScopes = ["read", "write"] as const;
export type TokenScope = (typeof tokenScopes)[number] | "admin";

export interface ApiCaller {
  /** The token's id, or "operator" for the operator's own tokens: the rate limit's key. */
  id: string;
  name: string;
  scopes: readonly TokenScope[];
}

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(tokenScopes)),
  createdAt: z.iso.datetime({ offset: true }),
  lastUsedAt: z.iso.datetime({ offset: true }).nullable(),
  revokedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

const tokenPrefix = "aidev_";

/** SHA-256, hex: tokens are 32 random bytes, so a fast digest leaves nothing to guess against. */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates a token; the token itself is in the answer only, never stored. */
export async function createApiToken(
  db: Kysely<Database>,
  input: { name: string; scopes: readonly (typeof tokenScopes)[number][] },
): Promise<{ token: string; record: ApiToken }> {
  const token = `${tokenPrefix}${randomBytes(32).toString("base64url")}`;
  // write implies read: a token that may start work may see it.
  const scopes = [
    ...new Set<(typeof tokenScopes)[number]>(input.scopes.includes("write") ? ["read", "write"] : ["read"]),
  ];
  const row = await db
    .insertInto("api_tokens")
    .values({
      id: randomUUID(),
      name: input.name,
      digest: tokenDigest(token),
      prefix: token.slice(0, tokenPrefix.length + 6),
      scopes,
      last_used_at: null,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, record: toApiToken(row) };
}

export async function listApiTokens(db: Kysely<Database>): Promise<ApiToken[]> {
  const rows = await db.selectFrom("api_tokens").selectAll().orderBy("created_at", "asc").execute();
  return rows.map(toApiToken);
}

/** Revokes by id or by the prefix `tokens list` shows; false when no live token matches. */
export async function revokeApiToken(
  db: Kysely<Database>,
  idOrPrefix: string,
  now = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where((eb) => eb.or([eb("id", "=", idOrPrefix), eb("prefix", "=", idOrPrefix)]))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Who presents this bearer token: an operator token (compared by digest in constant time), or a live
 * stored token found by its digest. Last use is recorded at most once a minute, so reads stay reads.
 */
export async function authenticateToken(
  db: Kysely<Database>,
  presented: string,
  operatorTokens: readonly string[],
): Promise<ApiCaller | undefined> {
  const digest = Buffer.from(tokenDigest(presented), "hex");
  if (operatorTokens.some((t) => timingSafeEqual(Buffer.from(tokenDigest(t), "hex"), digest))) {
    return { id: "operator", name: "operator", scopes: ["read", "write", "admin"] };
  }
  const row = await db
    .selectFrom("api_tokens")
    .select(["id", "name", "scopes", "last_used_at"])
    .where("digest", "=", digest.toString("hex"))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!row) return undefined;
  await db
    .updateTable("api_tokens")
    .set({ last_used_at: sql`now()` })
    .where("id", "=", row.id)
    .where((eb) =>
      eb.or([
        eb("last_used_at", "is", null),
        eb("last_used_at", "<", sql<Date>`now() - interval '1 minute'`),
      ]),
    )
    .execute();
  return { id: row.id, name: row.name, scopes: row.scopes as TokenScope[] };
}

function toApiToken(row: {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}): ApiToken {
  return apiTokenSchema.parse({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  });
}

const minOperatorTokenLength = 16;

/**
 * AI_DEV_API_TOKEN lets operators reach the API from elsewhere (on PostgreSQL there is no lock file
 * to read a token from); a short one would be guessable, so it stops the start instead.
 */
export function apiTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.AI_DEV_API_TOKEN;
  if (!token) return undefined;
  if (token.length < minOperatorTokenLength) {
    throw new UserFacingError(
      "weak_api_token",
      `AI_DEV_API_TOKEN has ${token.length} characters; use at least ${minOperatorTokenLength}, e.g. the output of \`openssl rand -hex 32\``,
    );
  }
  return token;
}
