import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import type { Logger } from "../../logging/logger.ts";
import { appVersion } from "../../version.ts";
import { sessionCookieName } from "../api-sessions.ts";
import { type ApiEnv, authenticate } from "./auth.ts";
import { budgetsRoutes } from "./budgets-routes.ts";
import { type EventsDeps, eventsRoutes } from "./events-routes.ts";
import { projectRoutes } from "./project-routes.ts";
import { RateLimiter } from "./rate-limit.ts";
import { runsRoutes } from "./runs-routes.ts";
import { sessionRoutes } from "./session-routes.ts";
import { type TaskRoutesDeps, taskRoutes } from "./task-routes.ts";
import { tokensRoutes } from "./tokens-routes.ts";

export const apiBasePath = "/api/v1";
export const openApiPath = "/openapi.json";
const maxBodyBytes = 1024 * 1024;

export interface ApiDeps {
  db: Kysely<Database>;
  /** The operator's own tokens (AI_DEV_API_TOKEN, the embedded database's lock file): every scope. */
  operatorTokens: readonly string[];
  rateLimit: { requests: number; window_seconds: number };
  log: Logger;
  /** Live run status (/events): the process's one database listener and what streams scrub. */
  live: Pick<EventsDeps, "events" | "secrets" | "heartbeatMs">;
  /** Where assigned tasks go: the intake, as a webhook's trigger. */
  intake: Pick<TaskRoutesDeps, "queue" | "answerWaitMs">;
}

/** The REST API under /api/v1: zod-validated, described by the OpenAPI document it serves. */
export function createApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({
    // A bad request names every field that is wrong, as the config and workflow checks do.
    defaultHook: (result, c) => {
      if (result.success) return;
      const fields = result.error.issues.map((i) => ({
        path: i.path.join(".") || "(body)",
        message: i.message,
      }));
      return c.json({ error: "the request is invalid", fields }, 400);
    },
  }).basePath(apiBasePath);
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "Session", {
    type: "apiKey",
    in: "cookie",
    name: sessionCookieName,
  });
  app.doc31(openApiPath, {
    openapi: "3.1.0",
    info: {
      title: "ai-dev API",
      version: appVersion,
      description:
        "Runs, budgets and tokens of an ai-dev installation, and work started without GitHub: a task assigned to the agent, a project planned and filed (`POST /project/create` creates the plan's epics and tasks right after planning, without `/plan approve`: a write token's request is the approval). Bearer tokens: `npx ai-dev tokens create`.",
    },
  });
  const limiter = new RateLimiter({
    requests: deps.rateLimit.requests,
    windowMs: deps.rateLimit.window_seconds * 1000,
  });
  const auth = authenticate({ db: deps.db, operatorTokens: deps.operatorTokens, limiter });
  app.use("*", async (c, next) => (c.req.path === `${apiBasePath}${openApiPath}` ? next() : auth(c, next)));
  runsRoutes(app, { ...deps, secrets: deps.live.secrets });
  budgetsRoutes(app, deps);
  tokensRoutes(app, deps);
  sessionRoutes(app, deps);
  eventsRoutes(app, { ...deps, ...deps.live });
  taskRoutes(app, { ...deps, ...deps.intake });
  projectRoutes(app, { ...deps, ...deps.intake });
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  // The log has the error; no answer carries an internal error's text.
  app.onError((error, c) => {
    // Hono's own refusals (a body that is not JSON): the client's mistake, said as such.
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ error: error.message }, error.status);
    }
    deps.log.error({ err: error, path: c.req.path }, "API request failed");
    return c.json({ error: "internal error; the app's log has the details" }, 500);
  });
  return app;
}

/** The API as one of Probot's server handlers: it answers every path under /api/v1. */
export function apiHandler(deps: ApiDeps) {
  const listener = getRequestListener(createApi(deps).fetch, { overrideGlobalObjects: false });
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path !== apiBasePath && !path.startsWith(`${apiBasePath}/`)) return false;
    // The API's bodies are small JSON: a body over the cap, or one of unknown length, is refused
    // before it is read.
    const length = req.headers["content-length"];
    if (length === undefined && req.headers["transfer-encoding"] !== undefined) {
      refuse(res, 411, "send the body with a Content-Length");
      return true;
    }
    if (Number(length ?? 0) > maxBodyBytes) {
      refuse(res, 413, `the body is over ${maxBodyBytes} bytes`);
      return true;
    }
    await listener(req, res);
    return true;
  };
}

function refuse(res: ServerResponse, status: number, error: string) {
  res.writeHead(status, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify({ error }));
}
