import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * Serves the bare repositories under `root` over git's smart HTTP protocol with the real
 * `git http-backend` (as CGI), so clone, fetch and push go through the same protocol GitHub speaks.
 * With a token, every request must carry `Authorization: Basic base64(username:token)` (GitHub's
 * installation-token form, `x-access-token:<token>`), which proves the client sent its header;
 * without one, anyone may read and push.
 */
export interface GitHttpServerOptions {
  root: string;
  token?: string | null;
  username?: string;
}

export interface GitHttpRequest {
  method: string;
  path: string;
  /** `git-upload-pack` (clone, fetch) or `git-receive-pack` (push), from the URL. */
  service: string | null;
  authorized: boolean;
  /** When it arrived, on this process's `performance.now()` clock. */
  at: number;
}

export interface GitHttpServer {
  url: string;
  /** The clone URL of `<root>/<name>` (`name` includes `.git` if the directory does). */
  repoUrl(name: string): string;
  requests: GitHttpRequest[];
  close(): Promise<void>;
}

function serviceOf(pathname: string, query: URLSearchParams): string | null {
  const fromQuery = query.get("service");
  if (fromQuery) return fromQuery;
  const match = /\/(git-upload-pack|git-receive-pack)$/.exec(pathname);
  return match?.[1] ?? null;
}

function runBackend(root: string, req: IncomingMessage, res: ServerResponse, url: URL, user: string): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    // http-backend allows receive-pack (push) only for an authenticated user.
    REMOTE_USER: user,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
  };
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
  if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
  const backend = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
  req.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on("data", (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf("\r\n\r\n");
    let sep = 4;
    if (end < 0) {
      end = head.indexOf("\n\n");
      sep = 2;
    }
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString("utf8").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    headersSent = true;
    res.write(head.subarray(end + sep));
  });
  let stderr = "";
  backend.stderr.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  backend.on("close", (code) => {
    if (!headersSent) {
      res.statusCode = 500;
      res.end(`git http-backend exited with ${code}: ${stderr}`);
    } else res.end();
  });
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const username = options.username ?? "x-access-token";
  const expected = options.token
    ? `Basic ${Buffer.from(`${username}:${options.token}`).toString("base64")}`
    : null;
  const requests: GitHttpRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorized = expected === null || req.headers.authorization === expected;
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      service: serviceOf(url.pathname, url.searchParams),
      authorized,
      at: performance.now(),
    });
    if (!authorized) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("authentication required\n");
      return;
    }
    runBackend(options.root, req, res, url, username);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    repoUrl: (name) => `${base}/${name}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
