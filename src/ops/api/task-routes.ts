import { randomUUID } from "node:crypto";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import type { RunQueue } from "../../queue/run-queue.ts";
import { acceptTriggerEvent } from "../../runs/intake.ts";
import { parseTaskRef, type TaskRef } from "../../runs/task-ref.ts";
import { type ApiEnv, requireScope } from "./auth.ts";
import { apiErrorSchema, errorResponses } from "./errors.ts";
import { waitForIntakeAnswer } from "./intake-answer.ts";

export interface TaskRoutesDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  /** How long a request waits for the intake worker's answer before it says "pending" (202). */
  answerWaitMs?: number;
}

const taskParam = z.object({
  id: z
    .string()
    .refine((id) => parseTaskRef(id) !== undefined, {
      message:
        "not a task: give a GitHub issue as owner/repo#12 (URL-encoded: owner%2Frepo%2312) or a tracker key such as PROJ-123",
    })
    .openapi({ param: { name: "id", in: "path" }, example: "octo-org/api#12" }),
});

const assignedSchema = z
  .object({
    outcome: z.enum(["queued", "already_active", "pending"]).openapi({
      description:
        "queued: a new run; already_active: the task's active run (a repeat gives the same run); pending: the intake worker has not answered yet",
    }),
    runId: z.string().nullable(),
    deliveryId: z.string(),
  })
  .openapi("AssignedTask");

const assign = createRoute({
  method: "post",
  path: "/task/{id}/assign-to-agent",
  summary:
    "Start the default workflow (implement-issue) on a GitHub issue or a Jira/Linear ticket, through the same intake as a webhook",
  security: [{ Bearer: [] }],
  middleware: [requireScope("write")] as const,
  request: { params: taskParam },
  responses: {
    201: { description: "A run was queued", content: { "application/json": { schema: assignedSchema } } },
    200: {
      description: "The task's active run",
      content: { "application/json": { schema: assignedSchema } },
    },
    202: {
      description: "Accepted; not answered yet",
      content: { "application/json": { schema: assignedSchema } },
    },
    404: {
      description: "No such issue or ticket, or the app is not installed on its repository",
      content: { "application/json": { schema: apiErrorSchema } },
    },
    422: {
      description:
        "A task no run can be made of: a pull request, a tracker key with no tracker configured, a ticket whose project maps to no repository",
      content: { "application/json": { schema: apiErrorSchema } },
    },
    ...errorResponses,
  },
});

export function taskRoutes(app: OpenAPIHono<ApiEnv>, deps: TaskRoutesDeps) {
  app.openapi(assign, async (c) => {
    const ref = parseTaskRef(c.req.valid("param").id) as TaskRef;
    const deliveryId = `api:${randomUUID()}`;
    // A tracker key names no repository yet: the intake worker reads the ticket and its project's mapping.
    const task =
      ref.kind === "github_issue"
        ? { kind: ref.kind, repository: { owner: ref.owner, name: ref.name }, number: ref.number }
        : { kind: "tracker_ticket" as const, key: ref.key };
    await acceptTriggerEvent(
      deps,
      {
        id: deliveryId,
        source: "api",
        event: "task.assign_to_agent",
        installationId: null,
        repository: ref.kind === "github_issue" ? `${ref.owner}/${ref.name}` : null,
      },
      { kind: "api_assign", task, requester: c.var.caller.name },
    );
    const answer = await waitForIntakeAnswer(deps.db, deliveryId, deps.answerWaitMs ?? 10_000);
    if (!answer) return c.json({ outcome: "pending" as const, runId: null, deliveryId }, 202);
    switch (answer.outcome) {
      case "queued":
        return c.json({ outcome: "queued" as const, runId: answer.runId, deliveryId }, 201);
      case "already_active":
        return c.json({ outcome: "already_active" as const, runId: answer.runId, deliveryId }, 200);
      case "not_found":
      case "not_installed":
        return c.json({ error: answer.text }, 404);
      default:
        return c.json({ error: answer.text }, 422);
    }
  });
}
