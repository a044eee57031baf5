import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { sessionCaller, sessionCookieName } from "../api-sessions.ts";
import { type ApiCaller, authenticateToken, type TokenScope } from "../api-tokens.ts";
import type { RateLimiter } from "./rate-limit.ts";

export type ApiEnv = {
  Variables: {
    caller: ApiCaller;
    /** The bearer token the caller presented; undefined for the dashboard's cookie session. */
    bearerToken: string | undefined;
  };
};

/**
 * Every /api/v1 route but the OpenAPI document needs a bearer token, or the dashboard's session cookie
 * (read scope only): run data names repositories and carries error text. Then the caller's rate
 * limit, counted per token (a session counts against the token it was made from).
 */
export function authenticate(deps: {
  db: Kysely<Database>;
  operatorTokens: readonly string[];
  limiter: RateLimiter;
}) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const bearerToken = match?.[1];
    const session = bearerToken ? undefined : getCookie(c, sessionCookieName);
    const caller = bearerToken
      ? await authenticateToken(deps.db, bearerToken, deps.operatorTokens)
      : session
        ? await sessionCaller(deps.db, session, deps.operatorTokens)
        : undefined;
    if (!caller) {
      c.header("www-authenticate", "Bearer");
      return c.json(
        { error: "missing or wrong bearer token (create one with `npx ai-dev tokens create`)" },
        401,
      );
    }
    const waitSeconds = deps.limiter.take(caller.id);
    if (waitSeconds !== undefined) {
      c.header("retry-after", String(waitSeconds));
      return c.json({ error: `too many requests for this token; try again in ${waitSeconds} s` }, 429);
    }
    c.set("caller", caller);
    c.set("bearerToken", bearerToken);
    await next();
  });
}

/** A route's scope: a read token on a write route is refused with 403, naming the scope it lacks. */
export function requireScope(scope: TokenScope) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    if (!c.var.caller.scopes.includes(scope)) {
      return c.json({ error: `this token lacks the \`${scope}\` scope` }, 403);
    }
    await next();
  });
}
