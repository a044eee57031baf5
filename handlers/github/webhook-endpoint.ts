import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { recordDelivery } from "../../src/runs/intake.ts";
import { readCappedBody } from "../../src/server/read-capped-body.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import { eventName } from "./event-name.ts";
import { bodyDigest, rememberDigest } from "./payload-digest.ts";
import { deliveryFieldsSchema } from "./payload-schemas.ts";
import { RejectedPayload } from "./rejected-payload.ts";

/** GitHub caps a webhook payload at 25 MB; anything larger is not GitHub's, and is never buffered. */
export const maxWebhookBytes = 25 * 1024 * 1024;

/** The part of @octokit/webhooks (Probot's `app.webhooks`) the endpoint uses. */
export interface WebhookReceiver {
  verify(payload: string, signature: string): Promise<boolean>;
  receive(event: { id: string; name: string; payload: object }): Promise<void>;
}

export interface WebhookEndpointOptions {
  receiver: WebhookReceiver;
  /** The webhook path, e.g. /api/github/webhooks. */
  path: string;
  deps: Pick<GithubHandlerDeps, "db" | "log">;
  maxBytes?: number;
}

/** How long a refused oversized request's connection stays open, so its sender reads the 413. */
const closeGraceMs = 1000;

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The webhook path, in place of @octokit/webhooks' node middleware, which buffers any body whole and
 * answers a handler's error with 500 and the error's message. Here: a body over the cap is refused
 * before it is buffered (413); a bad or missing signature is refused (400) and recorded nowhere; a
 * signed delivery is recorded, as rejected with its reason when its payload has an unexpected shape
 * (400, never 5xx: a 5xx asks the sender to deliver the same body again); a database error answers
 * 500 so the sender retries. No answer carries an internal error's text.
 */
export function githubWebhookEndpoint(options: WebhookEndpointOptions) {
  const { receiver, deps } = options;
  const maxBytes = options.maxBytes ?? maxWebhookBytes;
  const path = withoutTrailingSlash(options.path);
  const log = deps.log;

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const pathname = pathnameOf(req.url);
    if (pathname === undefined || withoutTrailingSlash(pathname) !== path) return false;
    if (req.method !== "POST") return answer(res, 404, { error: `${req.method} ${path} is not a route` });
    if (!/^\s*application\/json\s*(;|$)/i.test(header(req, "content-type") ?? "")) {
      return answer(res, 415, { error: 'the Content-Type must be "application/json"' });
    }
    const signature = header(req, "x-hub-signature-256");
    if (!signature) {
      return answer(res, 400, {
        error: "the X-Hub-Signature-256 header is missing: deliveries must be signed",
      });
    }
    const read = await readCappedBody(req, maxBytes);
    if (read.kind === "too_large") {
      log.warn({ maxBytes }, "webhook body over the size cap refused");
      // The rest of the body is never read. Closing at once would reset the connection with the sender's
      // data unread, and a reset can reach the sender before the answer does: close a moment later.
      res.once("finish", () => setTimeout(() => req.socket.destroy(), closeGraceMs).unref());
      return answer(res, 413, { error: `the body is larger than ${maxBytes} bytes, GitHub's cap` });
    }
    const text = decoder.decode(read.body);
    if (!(await receiver.verify(text, signature).catch(() => false))) {
      log.warn(
        { deliveryId: header(req, "x-github-delivery") },
        "webhook signature does not match: WEBHOOK_SECRET must be the GitHub App's webhook secret",
      );
      return answer(res, 400, { error: "the signature does not match the body and the webhook secret" });
    }

    // Signed by the secret's holder from here on: whatever happens, the delivery is recorded.
    const digest = bodyDigest(read.body);
    const id = header(req, "x-github-delivery") ?? randomUUID();
    const name = header(req, "x-github-event");
    const reject = async (reason: string, payload: unknown): Promise<boolean> => {
      const event = name ? eventName({ name, payload }) : "unknown";
      const fields = deliveryFieldsSchema.safeParse(payload);
      try {
        await recordDelivery(deps.db, {
          id,
          source: "github",
          event,
          installationId: fields.success ? (fields.data.installation?.id ?? null) : null,
          repository: fields.success ? (fields.data.repository?.full_name ?? null) : null,
          digest,
          rejectedReason: reason,
        });
      } catch (error) {
        return failed(error, id, event);
      }
      log.warn({ deliveryId: id, event, reason }, "webhook delivery rejected");
      return answer(res, 400, { error: reason });
    };

    if (!header(req, "x-github-delivery"))
      return await reject("the X-GitHub-Delivery header is missing", null);
    if (!name) return await reject("the X-GitHub-Event header is missing: the event is unknown", null);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return await reject("the body is not JSON", null);
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return await reject(`the ${name} payload is not a JSON object`, payload);
    }
    rememberDigest(payload, digest);
    try {
      await receiver.receive({ id, name, payload });
    } catch (error) {
      const rejected = rejectedPayloadIn(error);
      if (rejected) return await reject(rejected.reason, payload);
      return failed(error, id, eventName({ name, payload }));
    }
    return answer(res, 200, "ok\n");

    /** A database error, or a handler's bug: 500, so the sender delivers again; the cause goes to the log only. */
    function failed(error: unknown, deliveryId: string, event: string): boolean {
      log.error({ err: error, deliveryId, event }, "webhook delivery failed");
      return answer(res, 500, {
        error: "the delivery could not be recorded and was not accepted; deliver it again",
      });
    }
  };
}

function rejectedPayloadIn(error: unknown): RejectedPayload | undefined {
  if (error instanceof RejectedPayload) return error;
  if (error instanceof AggregateError) return error.errors.find((e) => e instanceof RejectedPayload);
  return undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pathnameOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function answer(res: ServerResponse, status: number, body: string | object): boolean {
  const text = typeof body === "string" ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain" : "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
  return true;
}
