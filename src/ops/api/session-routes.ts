import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { createSession, endSession, sessionCookieName, sessionTtlSeconds } from "../api-sessions.ts";
import { apiBasePath } from "./api-app.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { errorResponses } from "./errors.ts";

const maxMinutes = sessionTtlSeconds / 60;

export const newSessionSchema = z
  .object({
    expiresInMinutes: z
      .int()
      .min(5)
      .max(maxMinutes)
      .optional()
      .openapi({ description: `How long the session lasts (default and most: ${maxMinutes})` }),
  })
  .openapi("NewSession");

const sessionSchema = z
  .object({ name: z.string(), scopes: z.array(z.literal("read")), expiresAt: z.iso.datetime() })
  .openapi("Session");

const create = createRoute({
  method: "post",
  path: "/session",
  summary: "Make a read-only cookie session from a bearer token (what the dashboard's login does)",
  security: [{ Bearer: [] }],
  middleware: [requireScope("read")] as const,
  request: { body: { required: false, content: { "application/json": { schema: newSessionSchema } } } },
  responses: {
    201: {
      description: "The session; its cookie is HttpOnly and SameSite=Strict",
      content: { "application/json": { schema: sessionSchema } },
    },
    ...errorResponses,
  },
});

const end = createRoute({
  method: "delete",
  path: "/session",
  summary: "End the cookie session (log out of the dashboard)",
  security: [{ Session: [] }],
  responses: { 204: { description: "Ended" }, ...errorResponses },
});

export function sessionRoutes(app: OpenAPIHono<ApiEnv>, deps: { db: Kysely<Database> }) {
  app.openapi(create, async (c) => {
    const token = c.var.bearerToken;
    if (!token) {
      return c.json(
        { error: "a session is made from an API token: send it as `Authorization: Bearer`" },
        403,
      );
    }
    const minutes = c.req.valid("json")?.expiresInMinutes ?? maxMinutes;
    const now = new Date();
    const session = await createSession(deps.db, c.var.caller, token, now, minutes * 60);
    setCookie(c, sessionCookieName, session.value, {
      httpOnly: true,
      sameSite: "Strict",
      path: apiBasePath,
      // Over plain http (localhost) a Secure cookie would not come back; behind TLS it must be Secure.
      secure: isHttps(c.req.url, c.req.header("x-forwarded-proto")),
      expires: session.expiresAt,
    });
    return c.json(
      { name: c.var.caller.name, scopes: ["read" as const], expiresAt: session.expiresAt.toISOString() },
      201,
    );
  });
  app.openapi(end, async (c) => {
    const value = getCookie(c, sessionCookieName);
    if (value) await endSession(deps.db, value);
    deleteCookie(c, sessionCookieName, { path: apiBasePath });
    return c.body(null, 204);
  });
}

function isHttps(url: string, forwardedProto: string | undefined): boolean {
  return new URL(url).protocol === "https:" || forwardedProto?.split(",")[0]?.trim() === "https";
}
