import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { audit } from "../../runs/audit.ts";
import { apiTokenSchema, createApiToken, listApiTokens, revokeApiToken, tokenScopes } from "../api-tokens.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { errorResponses, notFoundResponse } from "./errors.ts";

// Token management answers the operator's own tokens only (`admin`): what `npx ai-dev tokens` calls
// when the running app holds the embedded database.
const security = [{ Bearer: [] }];

export const newTokenSchema = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(tokenScopes)).min(1),
});
export const createdTokenSchema = z.object({ token: z.string(), record: apiTokenSchema });

const list = createRoute({
  method: "get",
  path: "/tokens",
  summary: "The API tokens (never the tokens themselves)",
  security,
  middleware: [requireScope("admin")] as const,
  responses: {
    200: {
      description: "The tokens",
      content: { "application/json": { schema: z.object({ tokens: z.array(apiTokenSchema) }) } },
    },
    ...errorResponses,
  },
});

const create = createRoute({
  method: "post",
  path: "/tokens",
  summary: "Create a token; the answer is the only time it is shown",
  security,
  middleware: [requireScope("admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: newTokenSchema } } } },
  responses: {
    201: { description: "The new token", content: { "application/json": { schema: createdTokenSchema } } },
    ...errorResponses,
  },
});

const revoke = createRoute({
  method: "delete",
  path: "/tokens/{id}",
  summary: "Revoke a token by id or prefix",
  security,
  middleware: [requireScope("admin")] as const,
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .openapi({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: {
    204: { description: "Revoked" },
    ...errorResponses,
    ...notFoundResponse,
  },
});

export function tokensRoutes(app: OpenAPIHono<ApiEnv>, deps: { db: Kysely<Database> }) {
  app.openapi(list, async (c) => c.json({ tokens: await listApiTokens(deps.db) }, 200));
  app.openapi(create, async (c) => {
    const created = await createApiToken(deps.db, c.req.valid("json"));
    await audit(deps.db, {
      actor: `api:${c.var.caller.name}`,
      action: "api_token.created",
      details: { id: created.record.id, name: created.record.name, scopes: created.record.scopes },
    });
    return c.json(created, 201);
  });
  app.openapi(revoke, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await revokeApiToken(deps.db, id))) return c.json({ error: `no live token ${id}` }, 404);
    await audit(deps.db, { actor: `api:${c.var.caller.name}`, action: "api_token.revoked", details: { id } });
    return c.body(null, 204);
  });
}
