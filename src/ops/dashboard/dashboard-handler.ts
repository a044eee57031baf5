import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

export const dashboardPath = "/dashboard";
const staticDir = path.join(import.meta.dirname, "static");

/** The only files served, by name: nothing else under the folder (or outside it) can be asked for. */
const files: Record<string, { file: string; type: string }> = {
  "": { file: "index.html", type: "text/html; charset=utf-8" },
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
};

/**
 * The headers every dashboard file goes out with: scripts and styles from this server only, no inline
 * script, no framing, so text that got into the page from a run could never run as code.
 */
const securityHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/**
 * GET /dashboard: the static page (HTML, CSS, ES-module JavaScript, no build step). The files hold no
 * data: everything shown comes from the API, behind its tokens or the session the page's login makes.
 */
export function dashboardHandler() {
  const cache = new Map<string, Buffer>();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    if (pathname !== dashboardPath && !pathname.startsWith(`${dashboardPath}/`)) return false;
    const entry = files[pathname.slice(dashboardPath.length)];
    if (!entry) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...securityHeaders });
      res.end(`no dashboard file ${pathname}`);
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", ...securityHeaders });
      res.end();
      return true;
    }
    let body = cache.get(entry.file);
    if (!body) {
      body = readFileSync(path.join(staticDir, entry.file));
      cache.set(entry.file, body);
    }
    res.writeHead(200, { "content-type": entry.type, "content-length": body.length, ...securityHeaders });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
