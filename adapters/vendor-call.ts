import { UserFacingError } from "../src/errors.ts";

/** What an adapter knows about a failed request, read from its SDK's own error type. */
export interface VendorFailure {
  /** The HTTP status, or the status the vendor's error code stands for (Slack answers 200 with `ok: false`). */
  status: number;
  /** How long the vendor asked us to wait (Retry-After), when it said. */
  retryAfterMs?: number | undefined;
  /** The vendor's own explanation, safe to show (never a header or a token). */
  detail?: string | undefined;
}

export interface VendorCallOptions {
  /** "Jira", "Linear", "Confluence", "Slack": named in every message. */
  vendor: string;
  /** Where the credentials are configured, e.g. "plugins.task_management (connection.api_token)". */
  credentials: string;
  /** Reads the SDK's error; undefined when it is not an HTTP answer (a bug, a network error): rethrown as is. */
  classify: (error: unknown) => VendorFailure | undefined;
  /** Waits between rate-limit retries; a parameter so tests see the waits instead of sitting through them. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Rate-limit retries before giving up with a clear error (default 3). */
  maxRetries?: number | undefined;
  /** A wait longer than this is not sat through: the step fails and can be retried later (default 120 s). */
  maxWaitMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** When a 429 says nothing about how long to wait: the vendors document "a minute" as the window. */
const defaultRetryAfterMs = 60_000;

/**
 * One request to a vendor, described by `what` for the person who will read the error ("read the Jira
 * issue ENG-12"). A 429 is retried after its Retry-After a bounded number of times; every other failure
 * becomes a UserFacingError that names the vendor, the thing and the way out.
 */
export async function vendorCall<T>(
  what: string,
  send: () => Promise<T>,
  options: VendorCallOptions,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const maxRetries = options.maxRetries ?? 3;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const failure = options.classify(error);
      if (!failure) throw error;
      if (failure.status !== 429) throw vendorError(what, failure, options, error);
      const waitMs = failure.retryAfterMs ?? defaultRetryAfterMs;
      if (attempt >= maxRetries || waitMs > maxWaitMs) {
        throw new UserFacingError(
          `${code(options.vendor)}_rate_limited`,
          `${what}: ${options.vendor}'s rate limit stopped it (asked to wait ${Math.ceil(waitMs / 1000)} s after ${attempt + 1} tries); the step can be retried once the limit resets`,
          { cause: error },
        );
      }
      options.signal?.throwIfAborted();
      await sleep(waitMs);
    }
  }
}

/** True when the error is the vendor's "not found" as vendorCall reports it. */
export function isVendorNotFound(error: unknown): boolean {
  return error instanceof UserFacingError && error.code.endsWith("_not_found");
}

function vendorError(
  what: string,
  failure: VendorFailure,
  options: VendorCallOptions,
  cause: unknown,
): UserFacingError {
  const { vendor } = options;
  const said = failure.detail ? ` (${failure.detail})` : "";
  switch (failure.status) {
    case 401:
      return new UserFacingError(
        `${code(vendor)}_unauthorized`,
        `${what}: ${vendor} did not accept the credentials (401)${said}; check ${options.credentials} in the configuration file`,
        { cause },
      );
    case 403:
      return new UserFacingError(
        `${code(vendor)}_forbidden`,
        `${what}: ${vendor} refused (403)${said}: the account in ${options.credentials} lacks the permission; grant it in ${vendor} or use another account`,
        { cause },
      );
    case 404:
      return new UserFacingError(
        `${code(vendor)}_not_found`,
        `${what}: ${vendor} answered 404 Not Found${said}: the key does not exist, or the account in ${options.credentials} cannot see it`,
        { cause },
      );
    case 400:
      return new UserFacingError(
        `${code(vendor)}_invalid`,
        `${what}: ${vendor} refused the request (400)${said}; check the plugin's mappings in the configuration file`,
        { cause },
      );
    default:
      return new UserFacingError(
        `${code(vendor)}_error`,
        `${what}: ${vendor} answered ${failure.status}${said}; the step can be retried`,
        { cause },
      );
  }
}

function code(vendor: string): string {
  return vendor.toLowerCase().replaceAll(/[^a-z]+/g, "_");
}
