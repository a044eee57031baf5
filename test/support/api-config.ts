import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A configuration file for the API's tests, in a new temporary directory: the intake fixtures'
 * workflows and a per-token rate limit of `requestsPerMinute`, so each file can reach its own 429;
 * `more` are further lines of YAML (a plugins block).
 */
export function writeApiTestConfig(
  prefix: string,
  requestsPerMinute: number,
  more: string[] = [],
): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = path.join(dir, "ai-dev.config.yaml");
  writeFileSync(
    config,
    [
      "workflows:",
      `  config_dir: ${path.join(import.meta.dirname, "..", "fixtures", "intake", "workflows")}`,
      "security:",
      `  api_rate_limit: { requests: ${requestsPerMinute}, window_seconds: 60 }`,
      ...more,
    ].join("\n"),
  );
  return { dir, config };
}

/**
 * One request to the app's API (`/api/v1` + route) with a bearer token and a JSON body (a string body is
 * sent as it is, for bad-JSON tests); the answer parsed, for each test to read the fields of its own.
 */
export async function callApi(
  url: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const all: Record<string, string> = { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (body !== undefined) all["content-type"] = "application/json";
  const response = await fetch(`${url}/api/v1${route}`, {
    method,
    headers: all,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of its own answer
    body: (text ? JSON.parse(text) : null) as any,
  };
}
