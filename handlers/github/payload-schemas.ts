import { z } from "zod";
import { eventName } from "./event-name.ts";
import { describeIssues, RejectedPayload } from "./rejected-payload.ts";

/**
 * The fields of GitHub's payloads the handlers read, and only those: a signed payload is still checked,
 * because a shape GitHub never sends (or a replay of an edited one) must be refused with a reason, not
 * crash a handler into a 500 that asks for the same body again. Valid shapes are GitHub's own examples
 * (@octokit/webhooks-examples, in the tests).
 */
const installation = z.object({ id: z.int() });
const repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  default_branch: z.string().optional(),
});
const sender = z.object({ login: z.string(), id: z.int(), type: z.string() });

/** What every delivery is recorded with, whichever event it is. */
export const deliveryFieldsSchema = z.object({
  action: z.string().optional(),
  installation: z.object({ id: z.int() }).nullish(),
  repository: z.object({ full_name: z.string() }).nullish(),
});

export const triggerPayloadSchema = z.object({ installation: installation.optional(), repository, sender });
export type TriggerPayload = z.infer<typeof triggerPayloadSchema>;

const target = { number: z.int(), title: z.string(), body: z.string().nullish(), html_url: z.string() };

export const issuesLabeledSchema = triggerPayloadSchema.extend({
  issue: z.object(target),
  label: z.object({ name: z.string() }).optional(),
});

export const issueCommentCreatedSchema = triggerPayloadSchema.extend({
  issue: z.object({ ...target, pull_request: z.object({}).nullish() }),
  comment: z.object({ body: z.string() }),
});

const pullRequest = z.object({ ...target, head: z.object({ ref: z.string() }) });

export const reviewSubmittedSchema = triggerPayloadSchema.extend({
  pull_request: pullRequest,
  review: z.object({ id: z.int(), state: z.string(), body: z.string().nullable() }),
});

export const reviewCommentCreatedSchema = triggerPayloadSchema.extend({
  pull_request: pullRequest,
  comment: z.object({
    path: z.string(),
    line: z.int().nullish(),
    body: z.string(),
    pull_request_review_id: z.int().nullish(),
  }),
});

export const checkSuiteCompletedSchema = triggerPayloadSchema.extend({
  check_suite: z.object({
    id: z.int(),
    head_branch: z.string().nullable(),
    conclusion: z.string().nullable(),
    pull_requests: z.array(
      z.object({ number: z.int(), url: z.string(), head: z.object({ ref: z.string() }) }),
    ),
  }),
});

export const pullRequestClosedSchema = z.object({
  repository: z.object({ full_name: z.string() }),
  sender: z.object({ login: z.string() }),
  pull_request: z.object({ number: z.int(), merged: z.boolean().nullish() }),
});

export const installationEventSchema = z.object({
  action: z.string(),
  installation: z.object({
    id: z.int(),
    account: z
      .object({ login: z.string().optional(), slug: z.string().optional(), type: z.string().optional() })
      .nullish(),
    repository_selection: z.string().nullish(),
    suspended_at: z.string().nullish(),
  }),
});

/** The payload in the shape `schema` describes, or a RejectedPayload that names the event and the fields. */
export function parsedPayload<S extends z.ZodType>(
  schema: S,
  context: { name: string; payload: unknown },
): z.infer<S> {
  const result = schema.safeParse(context.payload);
  if (result.success) return result.data;
  throw new RejectedPayload(
    `the ${eventName(context)} payload does not have the expected shape: ${describeIssues(result.error)}`,
  );
}
