import { redactedPaths, redactedText, scrubSecrets } from "../logging/logger.ts";

/** The key names the logger redacts (`*.token`, `headers["x-api-key"]` …), compared without case. */
const secretKeys = new Set(
  redactedPaths.map((p) => (p.split(/[.[]/).pop() ?? p).replace(/["'\]]/g, "").toLowerCase()),
);

/**
 * A copy of a step's inputs or outputs that is safe to store and show: values under secret-looking keys
 * and known secret values are replaced, so the run's data flow can be read without leaking a token.
 */
export function redactForStorage(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return secrets.length > 0 ? scrubSecrets(value, secrets) : value;
  if (Array.isArray(value)) return value.map((item) => redactForStorage(item, secrets));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = secretKeys.has(key.toLowerCase()) ? redactedText : redactForStorage(item, secrets);
    }
    return out;
  }
  return value;
}
