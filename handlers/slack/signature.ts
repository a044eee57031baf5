import { hmacSha256Hex, isSameSignature } from "../hmac-signature.ts";

/** Slack refuses to help replay a request older than this; so do we. */
export const maxRequestAgeSeconds = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Slack's request signing (v0): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed by the app's
 * signing secret, of `v0:{X-Slack-Request-Timestamp}:{raw body}`; a timestamp more than five minutes
 * from now is refused as a possible replay. Checked on the raw bytes, before anything is parsed
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack).
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
  now: Date;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) {
    return { ok: false, reason: "X-Slack-Request-Timestamp and X-Slack-Signature are required" };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "X-Slack-Request-Timestamp is not a time" };
  const ageSeconds = Math.abs(input.now.getTime() / 1000 - Number(timestamp));
  if (ageSeconds > maxRequestAgeSeconds) {
    return { ok: false, reason: "the request's timestamp is more than 5 minutes away from now" };
  }
  const expected = `v0=${hmacSha256Hex(input.signingSecret, `v0:${timestamp}:`, input.body)}`;
  return isSameSignature(signature, expected)
    ? { ok: true }
    : { ok: false, reason: "the signature does not match the body and the signing secret" };
}
