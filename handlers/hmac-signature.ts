import { createHmac, timingSafeEqual } from "node:crypto";

/** The hex HMAC-SHA256 of the parts, in order, keyed with the secret. */
export function hmacSha256Hex(secret: string, ...parts: readonly (string | Buffer)[]): string {
  const hmac = createHmac("sha256", secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/**
 * Whether a presented signature is the expected one, compared in constant time so its bytes cannot be
 * guessed one by one from how long a refusal takes. Hex is compared case-insensitively.
 */
export function isSameSignature(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented.trim().toLowerCase());
  const b = Buffer.from(expected.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}
