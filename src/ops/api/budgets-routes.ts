import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { budgetsOverview, budgetsOverviewSchema } from "../budgets-overview.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { errorResponses } from "./errors.ts";

const getBudgets = createRoute({
  method: "get",
  path: "/budgets",
  summary: "This month's caps and spend per repository and installation, and the daily model cost",
  security: [{ Bearer: [] }],
  middleware: [requireScope("read")] as const,
  responses: {
    200: { description: "The budgets", content: { "application/json": { schema: budgetsOverviewSchema } } },
    ...errorResponses,
  },
});

export function budgetsRoutes(app: OpenAPIHono<ApiEnv>, deps: { db: Kysely<Database> }) {
  app.openapi(getBudgets, async (c) => c.json(await budgetsOverview(deps.db), 200));
}
