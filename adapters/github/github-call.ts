import { UserFacingError } from "../../src/errors.ts";
import { type RateLimitRetryOptions, withRateLimitRetries } from "../rate-limit-retries.ts";

export interface GithubCallOptions extends RateLimitRetryOptions {
  /** The clock a primary limit's reset time is compared with. */
  now?: () => number;
}

/** The parts of an Octokit RequestError the adapters read (duck-typed: it travels through Probot's own copy). */
interface HttpErrorLike {
  status: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * One GitHub request, described by `what` for the person who will read the error ("open the pull request
 * for ai/12-fix on octo/app"). Rate limits are honoured: a secondary limit's retry-after, or a primary
 * limit's reset time, is waited for (within `maxWaitMs`) and the request sent again.
 */
export async function githubCall<T>(
  what: string,
  send: () => Promise<T>,
  options: GithubCallOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  return await withRateLimitRetries(
    send,
    {
      waitMs: (error) => (isHttpError(error) ? rateLimitWaitMs(error, now) : null),
      final: (error) => (isHttpError(error) ? githubError(what, error) : error),
      stillLimited: (error, waitMs, tries) =>
        new UserFacingError(
          "github_rate_limited",
          `${what}: GitHub's rate limit stopped it (asked to wait ${Math.ceil(waitMs / 1000)} s after ${tries} tries); the step can be retried once the limit resets`,
          { cause: error },
        ),
    },
    options,
  );
}

/** True for GitHub's answer that a thing does not exist (404, or 422 for a missing git ref). */
export function isNotFound(error: unknown): boolean {
  const cause = error instanceof UserFacingError ? error.cause : error;
  return isHttpError(cause) && cause.status === 404;
}

export function isHttpError(error: unknown): error is HttpErrorLike {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { status?: unknown }).status === "number" &&
    (error as { status: number }).status >= 400
  );
}

/** How long GitHub asks us to wait, or null when the error is not a rate limit. */
function rateLimitWaitMs(error: HttpErrorLike, now: () => number): number | null {
  if (error.status !== 403 && error.status !== 429) return null;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && headers["retry-after"] !== undefined) {
    return retryAfter * 1000;
  }
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]);
    return Number.isFinite(reset) ? Math.max(0, reset * 1000 - now()) : 60_000;
  }
  // A secondary limit without retry-after: GitHub's documentation says to wait at least a minute.
  if (/secondary rate limit/i.test(messageOf(error))) return 60_000;
  return null;
}

function messageOf(error: HttpErrorLike): string {
  const data = error.response?.data;
  if (
    typeof data === "object" &&
    data !== null &&
    typeof (data as { message?: unknown }).message === "string"
  ) {
    return (data as { message: string }).message;
  }
  return "";
}

/** GitHub's own explanations in a 422: `errors[].message`, or the code and field. */
function validationDetails(error: HttpErrorLike): string[] {
  const data = error.response?.data as { errors?: unknown } | undefined;
  if (!Array.isArray(data?.errors)) return [];
  return data.errors.map((entry: unknown) => {
    if (typeof entry === "string") return entry;
    const e = entry as { message?: string; code?: string; field?: string; resource?: string };
    return e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(" ");
  });
}

/** A GitHub error as a message that says what failed and what to do about it. */
export function githubError(what: string, error: HttpErrorLike): UserFacingError {
  const message = messageOf(error);
  const headers = error.response?.headers ?? {};
  switch (error.status) {
    case 401:
      return new UserFacingError(
        "github_unauthorized",
        `${what}: GitHub did not accept the app's credentials (401); check APP_ID and the private key, and that the installation still exists`,
        { cause: error },
      );
    case 403: {
      const needed = headers["x-accepted-github-permissions"];
      const permission = needed ? ` (it needs ${String(needed).replaceAll(",", ", ")})` : "";
      return new UserFacingError(
        "github_forbidden",
        `${what}: GitHub refused (403 ${message || "Forbidden"}): the app lacks a permission${permission}; grant it in the GitHub App's settings (contents, issues and pull requests: read & write) and accept the new permissions on the installation`,
        { cause: error },
      );
    }
    case 404:
      return new UserFacingError(
        "github_not_found",
        `${what}: GitHub answered 404 Not Found: the repository, issue, pull request or branch does not exist, or the app is not installed on that repository`,
        { cause: error },
      );
    case 422: {
      const details = validationDetails(error);
      const said = [message, ...details].filter(Boolean).join(": ");
      return new UserFacingError(
        "github_invalid",
        `${what}: GitHub refused the request (422 ${said || "Unprocessable Entity"})`,
        {
          cause: error,
        },
      );
    }
    default:
      return new UserFacingError(
        "github_error",
        `${what}: GitHub answered ${error.status}${message ? ` (${message})` : ""}; the step can be retried`,
        { cause: error },
      );
  }
}

/** `owner/name` split; the plugin schemas have checked its form. */
export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner = "", repo = ""] = repository.split("/");
  return { owner, repo };
}
