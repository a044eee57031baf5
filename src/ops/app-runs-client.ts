import { apiBasePath } from "./api/api-app.ts";
import type { InstanceLock } from "./instance-lock.ts";
import { type RunDetail, type RunSummary, runDetailSchema, runListSchema } from "./list-runs.ts";

export type RunsQuery = { kind: "list"; limit: number } | { kind: "show"; runId: string };

/** What a query finds: the runs, one run, or no run with that id. */
export type RunsAnswer =
  | { kind: "list"; runs: RunSummary[] }
  | { kind: "show"; detail: RunDetail }
  | { kind: "not_found"; runId: string };

/** The app's answer, or why there is none (not listening yet, refused the token, too slow). */
export type AppReply = { ok: true; answer: RunsAnswer } | { ok: false; reason: string };

/** The app's HTTP answer, or why there is none (not listening yet, too slow, not JSON). */
export type AppResponse = { ok: true; status: number; body: unknown } | { ok: false; reason: string };

/**
 * One request to the app that holds the embedded database, over loopback with the token from its lock
 * file. A slow app is given a few seconds, never waited on indefinitely: the operator gets an answer
 * either way.
 */
export async function requestApp(
  lock: InstanceLock,
  request: { method?: string; path: string; body?: unknown },
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<AppResponse> {
  if (lock.port === null) return { ok: false, reason: "it serves no API yet" };
  try {
    const response = await (options.fetch ?? fetch)(
      `http://127.0.0.1:${lock.port}${apiBasePath}${request.path}`,
      {
        method: request.method ?? "GET",
        headers: {
          authorization: `Bearer ${lock.token}`,
          accept: "application/json",
          ...(request.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      },
    );
    const text = await response.text();
    return { ok: true, status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** `ai-dev runs` asked of the running app. */
export async function askApp(
  lock: InstanceLock,
  query: RunsQuery,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<AppReply> {
  const path =
    query.kind === "list" ? `/runs?limit=${query.limit}` : `/runs/${encodeURIComponent(query.runId)}`;
  const reply = await requestApp(lock, { path }, options);
  if (!reply.ok) return reply;
  if (query.kind === "show" && reply.status === 404)
    return { ok: true, answer: { kind: "not_found", runId: query.runId } };
  if (reply.status < 200 || reply.status >= 300)
    return { ok: false, reason: `it answered HTTP ${reply.status}` };
  const parsed =
    query.kind === "list" ? runListSchema.safeParse(reply.body) : runDetailSchema.safeParse(reply.body);
  if (!parsed.success) return { ok: false, reason: "its answer is not the runs API's shape" };
  return {
    ok: true,
    answer:
      "runs" in parsed.data
        ? { kind: "list", runs: parsed.data.runs }
        : { kind: "show", detail: parsed.data },
  };
}
