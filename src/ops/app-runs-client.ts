import type { InstanceLock } from "./instance-lock.ts";
import { type RunDetail, type RunSummary, runDetailSchema, runListSchema } from "./list-runs.ts";
import { runsApiPath } from "./runs-api.ts";

export type RunsQuery = { kind: "list"; limit: number } | { kind: "show"; runId: string };

/** What a query finds: the runs, one run, or no run with that id. */
export type RunsAnswer =
  | { kind: "list"; runs: RunSummary[] }
  | { kind: "show"; detail: RunDetail }
  | { kind: "not_found"; runId: string };

/** The app's answer, or why there is none (not listening yet, refused the token, too slow). */
export type AppReply = { ok: true; answer: RunsAnswer } | { ok: false; reason: string };

/**
 * Asks the app that holds the embedded database, over loopback with the token from its lock file. A
 * slow app is given a few seconds, never waited on indefinitely: the operator gets an answer either way.
 */
export async function askApp(
  lock: InstanceLock,
  query: RunsQuery,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<AppReply> {
  if (lock.port === null) return { ok: false, reason: "it serves no API yet" };
  const base = `http://127.0.0.1:${lock.port}${runsApiPath}`;
  const url =
    query.kind === "list" ? `${base}?limit=${query.limit}` : `${base}/${encodeURIComponent(query.runId)}`;
  let response: Response;
  let body: unknown;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${lock.token}`, accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    body = await response.json();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (query.kind === "show" && response.status === 404)
    return { ok: true, answer: { kind: "not_found", runId: query.runId } };
  if (!response.ok) return { ok: false, reason: `it answered HTTP ${response.status}` };
  const parsed = query.kind === "list" ? runListSchema.safeParse(body) : runDetailSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: "its answer is not the runs API's shape" };
  return {
    ok: true,
    answer:
      "runs" in parsed.data
        ? { kind: "list", runs: parsed.data.runs }
        : { kind: "show", detail: parsed.data },
  };
}
