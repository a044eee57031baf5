import { createHash } from "node:crypto";

/**
 * A UUID v4-shaped id derived from a step's idempotency key: a retried step asks the vendor for the same
 * entity id, so it finds what the first attempt wrote instead of writing it twice.
 */
export function idempotentUuid(idempotencyKey: string): string {
  const hex = createHash("sha256").update(`ai-dev:${idempotencyKey}`).digest("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
