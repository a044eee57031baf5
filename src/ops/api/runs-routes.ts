import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { audit } from "../../runs/audit.ts";
import { cancelRun } from "../../runs/cancel-run.ts";
import { listRecentRuns, runListSchema } from "../list-runs.ts";
import { readRunView, runViewSchema } from "../run-view.ts";
import { defaultRunsListed, maxRunsListed } from "../runs-limits.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { conflictResponse, errorResponses, notFoundResponse } from "./errors.ts";

const runIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "id", in: "path" }, example: "run_01J…" }),
});
const security = [{ Bearer: [] }];

const listRuns = createRoute({
  method: "get",
  path: "/runs",
  summary: "The newest runs first",
  security,
  middleware: [requireScope("read")] as const,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(maxRunsListed).default(defaultRunsListed),
    }),
  },
  responses: {
    200: { description: "The runs", content: { "application/json": { schema: runListSchema } } },
    ...errorResponses,
  },
});

const showRun = createRoute({
  method: "get",
  path: "/runs/{id}",
  summary:
    "One run: its steps with inputs and outputs (secrets redacted), cost, links and the tasks it filed",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: runIdParam },
  responses: {
    200: {
      description: "The run; `createdTasks` holds the tracker keys a project's run filed",
      content: { "application/json": { schema: runViewSchema.openapi("RunView") } },
    },
    ...errorResponses,
    ...notFoundResponse,
  },
});

const cancelOutcomeSchema = z
  .object({
    runId: z.string(),
    outcome: z.enum(["cancelled", "requested"]).openapi({
      description:
        "cancelled: it had not started; requested: its worker stops the running step within seconds",
    }),
  })
  .openapi("CancelOutcome");

const cancel = createRoute({
  method: "post",
  path: "/runs/{id}/cancel",
  summary: "Cancel a run",
  security,
  middleware: [requireScope("write")] as const,
  request: { params: runIdParam },
  responses: {
    202: {
      description: "Cancelled or asked to stop",
      content: { "application/json": { schema: cancelOutcomeSchema } },
    },
    ...conflictResponse("The run has already ended"),
    ...errorResponses,
    ...notFoundResponse,
  },
});

export function runsRoutes(
  app: OpenAPIHono<ApiEnv>,
  deps: { db: Kysely<Database>; secrets: readonly string[] },
) {
  app.openapi(listRuns, async (c) => {
    const { limit } = c.req.valid("query");
    return c.json({ runs: await listRecentRuns(deps.db, limit) }, 200);
  });
  app.openapi(showRun, async (c) => {
    const { id } = c.req.valid("param");
    const view = await readRunView(deps.db, id, deps.secrets);
    if (!view) return c.json({ error: `no run ${id}` }, 404);
    return c.json(view, 200);
  });
  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid("param");
    const run = await deps.db
      .selectFrom("runs")
      .select(["status", "repository", "target_number"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!run) return c.json({ error: `no run ${id}` }, 404);
    if (!["queued", "running", "waiting"].includes(run.status)) {
      return c.json({ error: `run ${id} has already ended (${run.status})` }, 409);
    }
    const outcome = await cancelRun(deps.db, id);
    await audit(deps.db, {
      actor: `api:${c.var.caller.name}`,
      action: "run.cancel_requested",
      repository: run.repository,
      target: run.target_number === null ? null : `#${run.target_number}`,
      runId: id,
    });
    return c.json({ runId: id, outcome }, 202);
  });
}
