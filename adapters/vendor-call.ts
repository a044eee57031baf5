import { UserFacingError } from "../src/errors.ts";

import { type RateLimitRetryOptions, withRateLimitRetries } from "./rate-limit-retries.ts";

/** What an adapter knows about a failed request, read from its SDK's own error type. */
export interface VendorFailure {
  /** The HTTP status, or the status the vendor's error code stands for (Slack answers 200 with `ok: false`). */
  status: number;
  /** How long the vendor asked us to wait (Retry-After), when it said. */
  retryAfterMs?: number | undefined;
  /** The vendor's own explanation, safe to show (never a header or a token). */
  detail?: string | undefined;
}

export interface VendorCallOptions extends RateLimitRetryOptions {
  /** "Jira", "Linear", "Confluence", "Slack": named in every message. */
  vendor: string;
  /** Where the credentials are configured, e.g. "plugins.task_management (connection.api_token)". */
  credentials: string;
  /** Reads the SDK's error; undefined when it is not an HTTP answer (a bug, a network error): rethrown as is. */
  classify: (error: unknown) => VendorFailure | undefined;
}

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
  return await withRateLimitRetries(
    send,
    {
      waitMs: (error) => {
        const failure = options.classify(error);
        return failure?.status === 429 ? (failure.retryAfterMs ?? defaultRetryAfterMs) : null;
      },
      final: (error) => {
        const failure = options.classify(error);
        return failure ? vendorError(what, failure, options, error) : error;
      },
      stillLimited: (error, waitMs, tries) =>
        new UserFacingError(
          `${code(options.vendor)}_rate_limited`,
          `${what}: ${options.vendor}'s rate limit stopped it (asked to wait ${Math.ceil(waitMs / 1000)} s after ${tries} tries); the step can be retried once the limit resets`,
          { cause: error },
        ),
    },
    options,
  );
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
