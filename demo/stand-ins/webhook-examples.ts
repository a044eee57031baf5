import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}

// The package's main file is JSON; createRequire loads it without import attributes.
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as ExampleGroup[];

/**
 * GitHub's own example payload for an event (and action), deep-copied so a test may edit the fields its
 * case needs. Throws when GitHub publishes no such example, rather than inventing one.
 */
export function webhookExample(event: string, action?: string, index = 0): Record<string, unknown> {
  const group = examples.find((g) => g.name === event);
  const matching = group?.examples.filter((e) => action === undefined || e.action === action) ?? [];
  const example = matching[index];
  if (!example)
    throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ""} example`);
  return structuredClone(example);
}

export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Headers GitHub sends with a delivery. */
export function webhookHeaders(event: string, body: string, secret: string, id: string = randomUUID()) {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": id,
    "x-hub-signature-256": signWebhook(body, secret),
    "user-agent": "GitHub-Hookshot/test",
  };
}

/** Posts a signed delivery to an app's webhook URL, as GitHub does; returns the HTTP status. */
export async function deliverWebhook(options: {
  url: string;
  event: string;
  payload: unknown;
  secret: string;
  id?: string;
}): Promise<number> {
  const body = JSON.stringify(options.payload);
  const response = await fetch(options.url, {
    method: "POST",
    body,
    headers: webhookHeaders(options.event, body, options.secret, options.id),
  });
  await response.text();
  return response.status;
}

/** A throwaway RSA key in the PEM form GitHub issues for Apps. */
export function throwawayPrivateKey(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs1",
    format: "pem",
  }) as string;
}

/** GitHub's issues.labeled example with the trigger label on issue `number`, sent through an installation. */
export function labeledIssue(number: number, installationId: number): Record<string, unknown> {
  const payload = webhookExample("issues", "labeled") as Record<string, unknown> & {
    label: { name: string };
    issue: { number: number };
  };
  payload.label.name = "ai-implement";
  payload.issue.number = number;
  payload.installation = { id: installationId };
  return payload;
}
