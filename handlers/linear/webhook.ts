import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { mappedLogin, type TrackerTriggers, ticketRepository } from "../../adapters/tracker-triggers.ts";
import { parseSlashCommand } from "../../src/runs/slash-command.ts";
import { hmacSha256Hex, isSameSignature } from "../hmac-signature.ts";
import { trackerCommandOf } from "../tracker-command.ts";
import {
  header,
  type TrackerHandlerDeps,
  type Translation,
  trackerWebhookEndpoint,
  type Verdict,
} from "../tracker-webhook.ts";

export const linearWebhooksPath = "/api/linear/webhooks";

/** Linear's SDK refuses a payload sent more than a minute from now; so do we. */
export const maxLinearAgeMs = 60_000;

export interface LinearTriggerSettings {
  /** webhook_secret: the webhook's signing secret. */
  secret: string;
  /** statuses.trigger: moving an issue to this state starts work. */
  triggerStatus: string;
  triggers: TrackerTriggers & { agent_user_id?: string | undefined };
}

// The parts of a data-change webhook read here (/work/shared/fixtures/linear/issue.update.json and the
// SDK's EntityWebhookPayload).
const issueDataSchema = z.object({
  id: z.string(),
  identifier: z.string().optional(),
  number: z.int().positive(),
  description: z.string().nullish(),
  assigneeId: z.string().nullish(),
  state: z.object({ name: z.string() }).nullish(),
  team: z.object({ key: z.string() }),
});
const commentDataSchema = z.object({
  body: z.string(),
  userId: z.string().nullish(),
  issueId: z.string().optional(),
  issue: z.object({ id: z.string(), identifier: z.string().optional() }).nullish(),
  user: z.object({ id: z.string(), name: z.string().optional() }).nullish(),
});
const envelopeSchema = z.object({
  action: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  updatedFrom: z.record(z.string(), z.unknown()).nullish(),
  url: z.string().optional(),
  actor: z.object({ id: z.string().optional(), name: z.string().optional() }).nullish(),
});

/**
 * POST /api/linear/webhooks: an Issue update to the trigger state, or assigning it to the agent user,
 * starts the default workflow on the team's repository; a Comment create whose first line is a command
 * from a mapped person is that command. Linear-Signature is the hex HMAC-SHA256 of the raw body, checked
 * before parsing; the signed webhookTimestamp must be within a minute of now (a payload without one is
 * refused); deliveries are deduplicated by Linear-Delivery.
 */
export function linearWebhookEndpoint(deps: TrackerHandlerDeps, settings: LinearTriggerSettings) {
  return trackerWebhookEndpoint({
    source: "linear",
    path: linearWebhooksPath,
    deps,
    deliveryIdHeader: "linear-delivery",
    verifySignature: (req, body) => verifyLinearSignature(settings.secret, req, body),
    verifyPayload: verifyLinearTimestamp,
    translate: (payload) => translateLinear(payload, settings),
  });
}

export function verifyLinearSignature(secret: string, req: IncomingMessage, body: Buffer): Verdict {
  const presented = header(req, "linear-signature");
  if (!presented)
    return { ok: false, reason: "the Linear-Signature header is missing: deliveries must be signed" };
  return isSameSignature(presented, hmacSha256Hex(secret, body))
    ? { ok: true }
    : { ok: false, reason: "the signature does not match the body and the webhook secret" };
}

/**
 * The body's own webhookTimestamp, which the signature covers (the Linear-Timestamp header is not
 * signed, so it is never a substitute): a replayed old body is refused even with a fresh header.
 */
export function verifyLinearTimestamp(payload: Record<string, unknown>, now: Date): Verdict {
  const sent = payload.webhookTimestamp;
  if (typeof sent !== "number" || !Number.isFinite(sent)) {
    return { ok: false, reason: "the payload has no webhookTimestamp: it cannot be told from a replay" };
  }
  if (Math.abs(now.getTime() - sent) > maxLinearAgeMs) {
    return { ok: false, reason: "the payload's webhookTimestamp is more than 60 s away from now" };
  }
  return { ok: true };
}

export function translateLinear(raw: Record<string, unknown>, settings: LinearTriggerSettings): Translation {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success)
    return { kind: "ignored", event: "unknown", repository: null, why: "not a data-change webhook" };
  const { type, action, data, updatedFrom, actor } = envelope.data;
  const event = `${type}.${action}`;
  if (type === "Comment" && action === "create")
    return translateComment(event, data, envelope.data.url, settings);
  if (type !== "Issue" || action !== "update")
    return { kind: "ignored", event, repository: null, why: `${event} is not a trigger` };
  const issue = issueDataSchema.safeParse(data);
  if (!issue.success)
    return { kind: "ignored", event, repository: null, why: "the issue is not of the expected shape" };
  const { team, state } = issue.data;
  const key = issue.data.identifier ?? `${team.key}-${issue.data.number}`;
  const target = ticketRepository(settings.triggers, {
    project: team.key,
    description: issue.data.description ?? "",
  });
  const repository = "repository" in target ? target.repository : null;
  const ignored = (why: string): Translation => ({ kind: "ignored", event, repository, why });
  if (!repository) return ignored("refused" in target ? target.refused : "no repository");
  const changed = updatedFrom ?? {};
  const movedToTrigger =
    "stateId" in changed && state?.name.trim().toLowerCase() === settings.triggerStatus.trim().toLowerCase();
  const agent = settings.triggers.agent_user_id;
  const assignedToAgent = agent !== undefined && "assigneeId" in changed && issue.data.assigneeId === agent;
  if (!movedToTrigger && !assignedToAgent) {
    return ignored(`neither moved to ${settings.triggerStatus} nor assigned to the agent`);
  }
  const login = mappedLogin(settings.triggers, actor?.id);
  if (login === undefined) return ignored("the person who changed the issue is not mapped to a GitHub login");
  const [owner = "", name = ""] = repository.split("/");
  return {
    kind: "trigger",
    event,
    repository,
    trigger: {
      kind: "tracker_implement",
      source: "linear",
      event: `linear:${event}`,
      ticket: { key, url: envelope.data.url ?? key },
      repository: { owner, name },
      mover: { id: actor?.id ?? null, name: actor?.name ?? null, login },
      reason: movedToTrigger ? `state ${settings.triggerStatus}` : "assigned to the agent",
    },
  };
}

function translateComment(
  event: string,
  data: Record<string, unknown>,
  url: string | undefined,
  settings: LinearTriggerSettings,
): Translation {
  const comment = commentDataSchema.safeParse(data);
  if (!comment.success)
    return { kind: "ignored", event, repository: null, why: "the comment is not of the expected shape" };
  // The issue's identifier (WEB-44) is what the adapter reads issues by: the comment's own, or the one
  // in its URL (…/issue/WEB-44/…#comment-…).
  const ticketRef =
    comment.data.issue?.identifier ?? /\/issue\/([A-Za-z][A-Za-z0-9]*-\d+)/.exec(url ?? "")?.[1];
  if (!ticketRef)
    return { kind: "ignored", event, repository: null, why: "the comment names no issue by its identifier" };
  const translated = trackerCommandOf(settings.triggers, {
    source: "linear",
    event: `linear:${event}`,
    ticketRef,
    command: parseSlashCommand(comment.data.body),
    author: { id: comment.data.userId ?? comment.data.user?.id, name: comment.data.user?.name ?? null },
  });
  // The repository is known once the intake has read the issue (a comment's payload names no team).
  return "why" in translated
    ? { kind: "ignored", event, repository: null, why: translated.why }
    : { kind: "trigger", event, repository: null, trigger: translated };
}
