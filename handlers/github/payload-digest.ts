import { createHash } from "node:crypto";

// The webhook endpoint sees the raw body, the handlers see Probot's Context: the parsed payload object
// is the one thing both hold (Context keeps the event's payload as it is), so it carries the digest.
const digests = new WeakMap<object, string>();

/** SHA-256 of a delivery's raw body, hex: the same bytes under a new delivery id are a replay. */
export function bodyDigest(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}

export function rememberDigest(payload: object, digest: string): void {
  digests.set(payload, digest);
}

/** The digest of the body this payload was parsed from; undefined when it did not come through the endpoint. */
export function digestOf(payload: unknown): string | undefined {
  return typeof payload === "object" && payload !== null ? digests.get(payload) : undefined;
}
