import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Kysely } from "kysely";
import type { Database } from "../src/db/schema.ts";
import type { Logger } from "../src/logging/logger.ts";
import type { RunQueue } from "../src/queue/run-queue.ts";
import { acceptTriggerEvent, recordDelivery } from "../src/runs/intake.ts";
import type { TriggerEvent } from "../src/runs/trigger-event.ts";
import { readCappedBody } from "../src/server/read-capped-body.ts";

export interface TrackerHandlerDeps {
  db: Kysely<Database>;
  queue: RunQueue;
  log: Logger;
  now?: () => Date;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** What a verified delivery is: a trigger to commit for the intake, or an event recorded and left alone. */
export type Translation =
  | { kind: "trigger"; event: string; repository: string | null; trigger: TriggerEvent }
  | { kind: "ignored"; event: string; repository: string | null; why: string };

export interface TrackerWebhookOptions {
  source: "jira" | "linear";
  path: string;
  deps: TrackerHandlerDeps;
  /** Checks the raw body's signature before anything is parsed. */
  verifySignature(req: IncomingMessage, body: Buffer): Verdict;
  /** After the signature: whether the signed payload is fresh (Linear's webhookTimestamp). */
  verifyPayload?(payload: Record<string, unknown>, now: Date): Verdict;
  /** The delivery's id, from the header the tracker keeps across its retries. */
  deliveryIdHeader: string;
  translate(payload: Record<string, unknown>): Translation;
}

/** Trackers' payloads carry the whole issue with its comments; anything past this is not theirs. */
const maxBodyBytes = 5 * 1024 * 1024;

/**
 * A tracker's webhook path, thin as GitHub's: verify the raw body before parsing it (a bad signature or a
 * stale payload is refused with 401 and recorded nowhere), translate the event, and commit the delivery
 * with its trigger before answering, in the same deliveries table and outbox as GitHub's; a delivery the
 * tracker sends again under the same id starts nothing. A database error answers 500 so it is sent again.
 */
export function trackerWebhookEndpoint(options: TrackerWebhookOptions) {
  const { deps, source } = options;
  const now = deps.now ?? (() => new Date());
  const path = options.path.replace(/\/+$/, "");
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") !== path) return false;
    if (req.method !== "POST") return answer(res, 405, { error: "only POST is allowed" });
    if (!/^\s*application\/json\s*(;|$)/i.test(header(req, "content-type") ?? "")) {
      return answer(res, 415, { error: 'the Content-Type must be "application/json"' });
    }
    const read = await readCappedBody(req, maxBodyBytes);
    if (read.kind === "too_large") {
      res.once("finish", () => req.socket.destroy());
      return answer(res, 413, { error: `the body is larger than ${maxBodyBytes} bytes` });
    }
    const signed = options.verifySignature(req, read.body);
    if (!signed.ok) {
      deps.log.warn({ source, reason: signed.reason }, "tracker webhook refused: not signed with its secret");
      return answer(res, 401, { error: signed.reason });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(read.body.toString("utf8"));
    } catch {
      return answer(res, 400, { error: "the body is not JSON" });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return answer(res, 400, { error: "the body is not a JSON object" });
    }
    const body = payload as Record<string, unknown>;
    const fresh = options.verifyPayload?.(body, now());
    if (fresh && !fresh.ok) {
      deps.log.warn({ source, reason: fresh.reason }, "tracker webhook refused: not fresh");
      return answer(res, 401, { error: fresh.reason });
    }
    const id = header(req, options.deliveryIdHeader);
    if (!id) return answer(res, 400, { error: `the ${options.deliveryIdHeader} header is missing` });
    const deliveryId = `${source}:${id}`;
    const translation = options.translate(body);
    const delivery = {
      id: deliveryId,
      source,
      event: translation.event,
      installationId: null,
      repository: translation.repository,
      digest: createHash("sha256").update(read.body).digest("hex"),
    };
    try {
      if (translation.kind === "ignored") {
        const recorded = await recordDelivery(deps.db, delivery);
        deps.log.info(
          { deliveryId, event: translation.event, why: translation.why, recorded },
          "tracker event recorded",
        );
        return answer(res, 200, { outcome: "ignored", why: translation.why });
      }
      const outcome = await acceptTriggerEvent(deps, delivery, translation.trigger);
      deps.log.info({ deliveryId, event: translation.event, outcome }, "tracker trigger accepted for intake");
      return answer(res, 200, { outcome });
    } catch (error) {
      deps.log.error({ err: error, deliveryId }, "tracker webhook delivery failed");
      return answer(res, 500, {
        error: "the delivery could not be recorded and was not accepted; send it again",
      });
    }
  };
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function answer(res: ServerResponse, status: number, body: object): boolean {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
  return true;
}
