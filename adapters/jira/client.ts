import { isApiError, isRateLimitError } from "jira.js";
import { createClient } from "jira.js/core";
import { type VendorCallOptions, type VendorFailure, vendorCall } from "../vendor-call.ts";
import type { JiraConfig } from "./config.ts";

export interface JiraRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  /** The path after the API root, e.g. `issue/ENG-1/transitions`. */
  path: string;
  searchParams?: Record<string, string>;
  body?: unknown;
}

export interface JiraHttp {
  /** Cloud's v3 API (ADF rich text) or Data Center's v2 API (wiki markup). */
  deployment: JiraConfig["connection"]["deployment"];
  site: string;
  send(what: string, request: JiraRequest, signal: AbortSignal): Promise<unknown>;
}

export interface JiraHttpOptions extends Pick<VendorCallOptions, "sleep" | "maxRetries" | "maxWaitMs"> {
  connection: JiraConfig["connection"];
  /** Where the settings came from, for the 401 message, e.g. "plugins/jira.config.yaml". */
  configFile?: string | undefined;
}

/**
 * jira.js's transport with the auth the deployment takes: Cloud signs in with email + API token (basic),
 * Data Center / Server with a personal access token (bearer). The API path is ours, because jira.js 6
 * only describes Cloud's v3 endpoints and Data Center has no v3.
 */
export function jiraHttp(options: JiraHttpOptions): JiraHttp {
  const { connection } = options;
  const cloud = connection.deployment === "cloud";
  const client = createClient({
    host: connection.url,
    auth: cloud
      ? { type: "basic", email: connection.email ?? "", apiToken: connection.api_token ?? "" }
      : { type: "bearer", token: connection.personal_access_token ?? "" },
  });
  const root = cloud ? "/rest/api/3" : "/rest/api/2";
  const file = options.configFile ?? "the Jira plugin's configuration";
  const credentials = cloud
    ? `connection.email and connection.api_token in ${file}`
    : `connection.personal_access_token in ${file}`;
  return {
    deployment: connection.deployment,
    site: connection.url.replace(/\/+$/, ""),
    send: (what, request, signal) =>
      vendorCall(
        what,
        () =>
          client.sendRequest({
            url: `${root}/${request.path}`,
            method: request.method ?? "GET",
            ...(request.searchParams ? { searchParams: request.searchParams } : {}),
            ...(request.body !== undefined ? { body: request.body } : {}),
          }),
        { ...options, vendor: "Jira", credentials, classify: jiraFailure, signal },
      ),
  };
}

function jiraFailure(error: unknown): VendorFailure | undefined {
  if (!isApiError(error)) return undefined;
  return {
    status: error.status,
    retryAfterMs: isRateLimitError(error) ? error.retryAfterMs : undefined,
    detail: jiraMessages(error.body),
  };
}

/** Jira's error body: `{ errorMessages: [...], errors: { field: message } }`. */
function jiraMessages(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { errorMessages, errors } = body as { errorMessages?: unknown; errors?: unknown };
  const messages = Array.isArray(errorMessages) ? errorMessages.map(String) : [];
  if (typeof errors === "object" && errors !== null) {
    for (const [field, message] of Object.entries(errors)) messages.push(`${field}: ${String(message)}`);
  }
  return messages.length > 0 ? messages.join("; ") : undefined;
}
