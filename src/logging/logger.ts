import pino, { type Logger } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  level?: string;
  format?: "json" | "pretty";
  /**
   * Secret values (API keys, tokens, passwords): replaced wherever they appear in a log line. The array
   * is read live, so a value pushed later (an installation token minted during a run) is scrubbed from
   * every line written after it.
   */
  secrets?: readonly string[];
  /** Where lines go; tests pass a stream to read them back. Defaults to stdout. */
  destination?: pino.DestinationStream;
}

/** Keys whose values are secrets whatever they hold; pino removes them before a line is written. */
export const redactedPaths = [
  "authorization",
  "token",
  "apiKey",
  "api_key",
  "privateKey",
  "private_key",
  "password",
  "secret",
  "webhookSecret",
  "*.authorization",
  "*.Authorization",
  "*.token",
  "*.apiKey",
  "*.api_key",
  "*.privateKey",
  "*.private_key",
  "*.password",
  "*.secret",
  "*.api_token",
  "headers.authorization",
  'headers["x-api-key"]',
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-hub-signature-256"]',
  "request.headers.authorization",
  "*.headers.authorization",
  '*.headers["x-api-key"]',
];

export const redactedText = "[Redacted]";

/** The app's pino logger: JSON in production, readable in development, secrets never written. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const source = options.secrets ?? [];
  let seen = -1;
  let secrets: string[] = [];
  // Sorted longest first (a secret that contains another is replaced whole), again only when one is added.
  const liveSecrets = () => {
    if (source.length !== seen) {
      seen = source.length;
      secrets = [...new Set(source)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
    }
    return secrets;
  };
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? "info",
    serializers: { err: serializeError },
    redact: { paths: redactedPaths, censor: redactedText },
    // A secret can also hide in a message, an error or a URL: scrub the finished line as a last guard.
    hooks: {
      streamWrite: (line) => {
        const current = liveSecrets();
        return current.length > 0 ? scrubSecrets(line, current) : line;
      },
    },
  };
  if (options.destination) return pino(pinoOptions, options.destination);
  if (options.format === "pretty") {
    return pino({ ...pinoOptions, transport: { target: "pino-pretty", options: { colorize: true } } });
  }
  return pino(pinoOptions);
}

/** Replaces every occurrence of each secret, also in its JSON-escaped form. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    out = out.replaceAll(secret, redactedText);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.replaceAll(escaped, redactedText);
  }
  return out;
}

/**
 * Errors without what they carry from outside: a webhook error's `event` holds the whole payload (even
 * of a delivery refused for its signature), and an HTTP error's request and response hold headers and
 * bodies. What stays is what a person needs to act: the message, the stack, the method, URL and status.
 */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const out = pino.stdSerializers.err(error) as Record<string, unknown>;
  delete out.event;
  const request = out.request as { method?: unknown; url?: unknown } | undefined;
  if (request) out.request = { method: request.method, url: request.url };
  const response = out.response as { status?: unknown; url?: unknown } | undefined;
  if (response) out.response = { status: response.status, url: response.url };
  return out;
}
