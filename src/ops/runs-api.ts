import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { UserFacingError } from "../errors.ts";
import { getRunDetail, listRecentRuns } from "./list-runs.ts";
import { defaultRunsListed, maxRunsListed } from "./runs-limits.ts";

export const runsApiPath = "/api/v1/runs";
const minTokenLength = 16;

/**
 * GET /api/v1/runs?limit=N and GET /api/v1/runs/<id>: what `ai-dev runs` prints, for a CLI that cannot
 * open the embedded database while the app holds it. Run data names repositories and carries error
 * text, so every request needs a bearer token; with no token configured nobody gets in.
 */
export function runsApiHandler(options: { db: Kysely<Database>; tokens: readonly string[] }) {
  const accepted = options.tokens.filter((t) => t.length >= minTokenLength).map(digest);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const isList = url.pathname === runsApiPath || url.pathname === `${runsApiPath}/`;
    if (!isList && !url.pathname.startsWith(`${runsApiPath}/`)) return false;
    if (!isAuthorized(req.headers.authorization, accepted)) {
      answer(res, 401, { error: "missing or wrong bearer token" }, { "www-authenticate": "Bearer" });
      return true;
    }
    if (req.method !== "GET") {
      answer(res, 405, { error: "only GET is allowed" }, { allow: "GET" });
      return true;
    }
    if (isList) {
      const limit = parseLimit(url.searchParams.get("limit"));
      if (limit === undefined) {
        answer(res, 400, { error: `limit must be a whole number from 1 to ${maxRunsListed}` });
        return true;
      }
      answer(res, 200, { runs: await listRecentRuns(options.db, limit) });
      return true;
    }
    const runId = decodeURIComponent(url.pathname.slice(runsApiPath.length + 1));
    const detail = runId.includes("/") ? undefined : await getRunDetail(options.db, runId);
    if (!detail) answer(res, 404, { error: `no run ${runId}` });
    else answer(res, 200, detail);
    return true;
  };
}

/**
 * AI_DEV_API_TOKEN lets operators reach the API from elsewhere (on PostgreSQL there is no lock file
 * to read a token from); a short one would be guessable, so it stops the start instead.
 */
export function apiTokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.AI_DEV_API_TOKEN;
  if (!token) return undefined;
  if (token.length < minTokenLength) {
    throw new UserFacingError(
      "weak_api_token",
      `AI_DEV_API_TOKEN has ${token.length} characters; use at least ${minTokenLength}, e.g. the output of \`openssl rand -hex 32\``,
    );
  }
  return token;
}

function parseLimit(value: string | null): number | undefined {
  if (value === null || value === "") return defaultRunsListed;
  if (!/^\d+$/.test(value)) return undefined;
  const limit = Number(value);
  return limit >= 1 && limit <= maxRunsListed ? limit : undefined;
}

/** Compares digests, so the time taken says nothing about how much of a token was right. */
function isAuthorized(header: string | undefined, accepted: readonly Buffer[]): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return false;
  const presented = digest(match[1]);
  return accepted.some((token) => timingSafeEqual(token, presented));
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}
