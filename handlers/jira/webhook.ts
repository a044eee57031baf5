import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { adfToMarkdown } from "../../adapters/jira/adf.ts";
import { fieldText } from "../../adapters/jira/index.ts";
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

export const jiraWebhooksPath = "/api/jira/webhooks";

export interface JiraTriggerSettings {
  /** webhook_secret: Jira signs admin webhooks with it (X-Hub-Signature: sha256=…). */
  secret: string;
  /** statuses.trigger: moving a ticket here starts work. */
  triggerStatus: string;
  triggers: TrackerTriggers;
  /** custom_fields.repo_url: a field where a ticket may name its repository. */
  repositoryField?: string | undefined;
}

// The parts of a jira:issue_updated / comment_created body read here (/work/shared/fixtures/jira/).
const userSchema = z
  .object({
    accountId: z.string().optional(),
    key: z.string().optional(),
    name: z.string().optional(),
    displayName: z.string().optional(),
  })
  .nullish();
const payloadSchema = z.object({
  webhookEvent: z.string(),
  user: userSchema,
  issue: z
    .object({
      key: z.string().regex(/^[A-Z][A-Z0-9_]*-\d+$/),
      self: z.string().optional(),
      fields: z
        .object({
          project: z.object({ key: z.string() }).nullish(),
          description: z.unknown().optional(),
        })
        .catchall(z.unknown())
        .optional(),
    })
    .optional(),
  changelog: z
    .object({
      items: z.array(
        z.object({
          field: z.string().optional(),
          fieldId: z.string().optional(),
          toString: z.string().nullish(),
        }),
      ),
    })
    .nullish(),
  comment: z.object({ body: z.unknown(), author: userSchema }).optional(),
});

/**
 * POST /api/jira/webhooks: `jira:issue_updated` whose changelog moves the status to the trigger status
 * starts the default workflow on the project's repository; `comment_created` whose first line is a
 * command from a mapped person is that command. Verified with X-Hub-Signature over the raw body before
 * parsing; deduplicated by X-Atlassian-Webhook-Identifier, which Jira keeps across its retries.
 */
export function jiraWebhookEndpoint(deps: TrackerHandlerDeps, settings: JiraTriggerSettings) {
  return trackerWebhookEndpoint({
    source: "jira",
    path: jiraWebhooksPath,
    deps,
    deliveryIdHeader: "x-atlassian-webhook-identifier",
    verifySignature: (req, body) => verifyJiraSignature(settings.secret, req, body),
    translate: (payload) => translateJira(payload, settings),
  });
}

export function verifyJiraSignature(secret: string, req: IncomingMessage, body: Buffer): Verdict {
  const presented = header(req, "x-hub-signature");
  if (!presented)
    return { ok: false, reason: "the X-Hub-Signature header is missing: deliveries must be signed" };
  const expected = `sha256=${hmacSha256Hex(secret, body)}`;
  return isSameSignature(presented, expected)
    ? { ok: true }
    : { ok: false, reason: "the signature does not match the body and the webhook secret" };
}

export function translateJira(raw: Record<string, unknown>, settings: JiraTriggerSettings): Translation {
  const parsed = payloadSchema.safeParse(raw);
  const event = typeof raw.webhookEvent === "string" ? raw.webhookEvent : "unknown";
  if (!parsed.success || !parsed.data.issue) {
    return { kind: "ignored", event, repository: null, why: "not an issue event of the expected shape" };
  }
  const { issue, user } = parsed.data;
  const project = issue.fields?.project?.key ?? issue.key.replace(/-\d+$/, "");
  const description = textOf(issue.fields?.description);
  const field = settings.repositoryField ? fieldText(issue.fields?.[settings.repositoryField]) : null;
  const target = ticketRepository(settings.triggers, { project, named: field, description });
  const repository = "repository" in target ? target.repository : null;
  const url = browseUrl(issue.self, issue.key);
  const ignored = (why: string): Translation => ({ kind: "ignored", event, repository, why });
  if (!repository) return ignored("refused" in target ? target.refused : "no repository");

  if (event === "comment_created") {
    const author = parsed.data.comment?.author;
    const command = parseSlashCommand(textOf(parsed.data.comment?.body));
    const translated = trackerCommandOf(settings.triggers, {
      source: "jira",
      event,
      ticketRef: issue.key,
      command,
      author: { id: userId(author), name: author?.displayName ?? null },
    });
    return "why" in translated
      ? ignored(translated.why)
      : { kind: "trigger", event, repository, trigger: translated };
  }
  if (event !== "jira:issue_updated") return ignored(`${event} is not a trigger`);
  const moved = (parsed.data.changelog?.items ?? []).some(
    (item) =>
      (item.fieldId ?? item.field)?.toLowerCase() === "status" &&
      item.toString?.trim().toLowerCase() === settings.triggerStatus.trim().toLowerCase(),
  );
  if (!moved) return ignored(`the status did not move to ${settings.triggerStatus}`);
  const login = mappedLogin(settings.triggers, userId(user));
  if (login === undefined) return ignored("the person who moved the ticket is not mapped to a GitHub login");
  const [owner = "", name = ""] = repository.split("/");
  return {
    kind: "trigger",
    event,
    repository,
    trigger: {
      kind: "tracker_implement",
      source: "jira",
      event,
      ticket: { key: issue.key, url },
      repository: { owner, name },
      mover: { id: userId(user) ?? null, name: user?.displayName ?? null, login },
      reason: `status ${settings.triggerStatus}`,
    },
  };
}

/** Cloud names people by accountId; Data Center / Server by key (or name). */
function userId(user: z.infer<typeof userSchema>): string | undefined {
  return user?.accountId ?? user?.key ?? user?.name;
}

/** A description or comment: wiki markup (a string) or, on Cloud's v3 shapes, an ADF document. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) return adfToMarkdown(value);
  return "";
}

/** The issue's page: the site of its REST `self` link, then /browse/KEY. */
function browseUrl(self: string | undefined, key: string): string {
  try {
    return self ? `${new URL(self).origin}/browse/${key}` : key;
  } catch {
    return key;
  }
}
