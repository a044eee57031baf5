import { createHash } from "node:crypto";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { acceptTriggerEvent } from "../../runs/intake.ts";
import { apiBasePath } from "./api-app.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { apiErrorSchema, errorResponses } from "./errors.ts";
import { waitForIntakeAnswer } from "./intake-answer.ts";
import type { TaskRoutesDeps } from "./task-routes.ts";

const line = z.string().trim().min(1).max(2000);

const projectSchema = z
  .object({
    description: z.string().trim().min(1).max(20_000).openapi({
      description: "What the project is; its first line becomes the project issue's title. Untrusted text.",
      example: "A status page for our API",
    }),
    requirements: z
      .array(line)
      .max(100)
      .openapi({ example: ["shows the uptime of the last 90 days"] }),
    tech_stack: z
      .array(line)
      .max(50)
      .openapi({ example: ["TypeScript", "PostgreSQL"] }),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "write it as owner/repo")
      .optional()
      .openapi({
        description:
          "Where the project's issue is opened and the planning agent reads the code. This version needs it (422 without it).",
        example: "octo-org/status-page",
      }),
  })
  .openapi("ProjectRequest");

const projectAnswerSchema = z
  .object({
    outcome: z.enum(["queued", "already_active", "pending"]).openapi({
      description:
        "queued: the project's run; already_active: the same project's run, asked again; pending: the intake worker has not answered yet",
    }),
    runId: z.string().nullable(),
    run: z.string().nullable().openapi({
      description: "GET it: when it has succeeded, `createdTasks` holds the tracker keys",
    }),
    issue: z.string().nullable().openapi({ description: "The project's issue, where the plan is posted" }),
    deliveryId: z.string(),
  })
  .openapi("ProjectAnswer");

const create = createRoute({
  method: "post",
  path: "/project/create",
  summary: "Plan a project and create its epics and tasks in the configured tracker",
  description: [
    "Opens the project's issue in `repository` and starts the `project-create` workflow on it: the planning",
    "agent plans the project (as `/plan` does), the plan is posted on the issue, and its epics and tasks are",
    "created in the configured task_management plugin right after. A write token is the approval: unlike",
    "`/plan`, no `/plan approve` waits in between, because the caller asked for the creation.",
    "Deduplicated like a webhook: the same `Idempotency-Key` (or, without one, the same body) from the same",
    "token answers with the first request's run instead of planning again.",
  ].join(" "),
  security: [{ Bearer: [] }],
  middleware: [requireScope("write")] as const,
  request: {
    headers: z.object({
      "idempotency-key": z.string().min(1).max(200).optional().openapi({
        description: "A repeat with the same key answers with the same run",
      }),
    }),
    body: { content: { "application/json": { schema: projectSchema } }, required: true },
  },
  responses: {
    201: {
      description: "The project's run was queued",
      content: { "application/json": { schema: projectAnswerSchema } },
    },
    200: {
      description: "A repeat: the first request's run",
      content: { "application/json": { schema: projectAnswerSchema } },
    },
    202: {
      description: "Accepted; not answered yet",
      content: { "application/json": { schema: projectAnswerSchema } },
    },
    404: {
      description: "The app is not installed on the repository",
      content: { "application/json": { schema: apiErrorSchema } },
    },
    422: {
      description: "A project no run can be made of (no repository, invalid repository settings)",
      content: { "application/json": { schema: apiErrorSchema } },
    },
    ...errorResponses,
  },
});

export function projectRoutes(app: OpenAPIHono<ApiEnv>, deps: TaskRoutesDeps) {
  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const key = c.req.valid("header")["idempotency-key"];
    if (!body.repository) {
      return c.json(
        {
          error:
            "name the repository (owner/repo) the project's issue goes in and the planning agent reads: this version does not pick one",
        },
        422,
      );
    }
    const [owner = "", name = ""] = body.repository.split("/");
    const project = {
      description: body.description,
      requirements: body.requirements,
      tech_stack: body.tech_stack,
    };
    // One id per token and key (or body): a repeat is a redelivery, which starts nothing and reads the
    // first one's answer.
    const basis =
      key === undefined ? JSON.stringify({ ...project, repository: body.repository }) : `key:${key}`;
    const deliveryId = `api:project:${sha256(`${c.var.caller.id}\n${basis}`).slice(0, 40)}`;
    const accepted = await acceptTriggerEvent(
      deps,
      {
        id: deliveryId,
        source: "api",
        event: "project.create",
        installationId: null,
        repository: body.repository,
      },
      { kind: "api_project", project, repository: { owner, name }, requester: c.var.caller.name },
    );
    const answer = await waitForIntakeAnswer(deps.db, deliveryId, deps.answerWaitMs ?? 10_000);
    const repeat = accepted !== "accepted";
    if (!answer)
      return c.json({ outcome: "pending" as const, runId: null, run: null, issue: null, deliveryId }, 202);
    const issue = typeof answer.details.issue_url === "string" ? answer.details.issue_url : null;
    const run = answer.runId ? `${apiBasePath}/runs/${answer.runId}` : null;
    switch (answer.outcome) {
      case "queued":
        return c.json(
          { outcome: "queued" as const, runId: answer.runId, run, issue, deliveryId },
          repeat ? 200 : 201,
        );
      case "already_active":
        return c.json(
          { outcome: "already_active" as const, runId: answer.runId, run, issue, deliveryId },
          200,
        );
      case "not_installed":
        return c.json({ error: answer.text }, 404);
      default:
        return c.json({ error: answer.text }, 422);
    }
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
