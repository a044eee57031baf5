import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";

/** The vendors' documented answers the adapters' own tests use (test/fixtures/jira, confluence: see their READMEs). */
const fixtures = path.join(import.meta.dirname, "..", "..", "test", "fixtures");
const fixture = (vendor: "jira" | "confluence", name: string) =>
  JSON.parse(readFileSync(path.join(fixtures, vendor, name), "utf8")) as Record<string, unknown>;

export interface AtlassianRequest {
  method: string;
  path: string;
  body: unknown;
}

interface StoredComment {
  id: string;
  body: unknown;
  properties: { key: string; value: unknown }[];
}

/**
 * Jira Cloud (REST v3) and Confluence Cloud on one local site, as far as a run reaches them: one issue
 * whose status moves by transitions, its comments with their properties, remote links, and pages found
 * by title. A small HTTP server rather than nock, so an app in another process (or jira.js's client,
 * which nock stalled) reaches it as it would the real site. Every request is recorded.
 */
export class FakeAtlassian {
  readonly requests: AtlassianRequest[] = [];
  readonly comments: StoredComment[] = [];
  readonly remoteLinks: unknown[] = [];
  readonly pages: { id: string; title: string; version: number }[] = [];
  /** The issue's status as it is now, and each one it was moved to. */
  status: string;
  readonly statusHistory: string[] = [];
  #server: Server | undefined;
  port = 0;

  constructor(
    readonly issue: { key: string; fields: Record<string, unknown> },
    /** The workflow's statuses: a transition leads to each. */
    readonly statuses: readonly string[],
  ) {
    this.status = (issue.fields.status as { name?: string } | undefined)?.name ?? "To Do";
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((text) => {
        const body = text ? (JSON.parse(text) as unknown) : undefined;
        const url = new URL(req.url ?? "/", this.url);
        this.requests.push({ method: req.method ?? "GET", path: url.pathname, body });
        const answer = this.#answer(req.method ?? "GET", url, body);
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.#server ? this.#server.close(resolve) : resolve(undefined)));
  }

  #answer(method: string, url: URL, body: unknown): { status: number; body?: unknown } {
    const issuePath = `/rest/api/3/issue/${this.issue.key}`;
    const route = `${method} ${url.pathname}`;
    if (route === `GET ${issuePath}`) {
      return {
        status: 200,
        body: { ...this.issue, fields: { ...this.issue.fields, status: { name: this.status } } },
      };
    }
    if (route === `GET ${issuePath}/transitions`) {
      const [example] = (fixture("jira", "transitions.json").transitions as Record<string, unknown>[]) ?? [];
      const transitions = this.statuses.map((name, i) => ({
        ...example,
        id: String(100 + i),
        name: `To ${name}`,
        to: { ...(example?.to as object), name },
      }));
      return { status: 200, body: { expand: "transitions", transitions } };
    }
    if (route === `POST ${issuePath}/transitions`) {
      const id = Number((body as { transition?: { id?: string } }).transition?.id) - 100;
      const target = this.statuses[id];
      if (target === undefined)
        return { status: 400, body: { errorMessages: ["no such transition"], errors: {} } };
      this.status = target;
      this.statusHistory.push(target);
      return { status: 204 };
    }
    if (route === `GET ${issuePath}/comment`) {
      const listed = fixture("jira", "comments.json") as { comments: Record<string, unknown>[] };
      const [example] = listed.comments;
      const comments = [...this.comments].reverse().map((c) => ({ ...example, ...c }));
      return { status: 200, body: { ...listed, comments, total: comments.length } };
    }
    if (route === `POST ${issuePath}/comment`) {
      const posted = body as { body: unknown; properties?: StoredComment["properties"] };
      const id = String(10_000 + this.comments.length);
      this.comments.push({ id, body: posted.body, properties: posted.properties ?? [] });
      return { status: 201, body: { ...fixture("jira", "comment.json"), id, body: posted.body } };
    }
    if (route === `POST ${issuePath}/remotelink`) {
      this.remoteLinks.push(body);
      return { status: 201, body: fixture("jira", "remote-link.json") };
    }
    if (route === "GET /wiki/rest/api/content") {
      const title = url.searchParams.get("title");
      const found = this.pages.filter((p) => p.title === title);
      const empty = fixture("confluence", "search.empty.json");
      const page = fixture("confluence", "page.created.json");
      const results = found.map((p) => ({
        ...page,
        id: p.id,
        title: p.title,
        version: { number: p.version },
      }));
      return { status: 200, body: { ...empty, results, size: results.length } };
    }
    if (route === "POST /wiki/rest/api/content") {
      const title = String((body as { title?: unknown }).title);
      const id = String(65_611 + this.pages.length);
      this.pages.push({ id, title, version: 1 });
      return { status: 200, body: { ...fixture("confluence", "page.created.json"), id, title } };
    }
    const update = /^PUT \/wiki\/rest\/api\/content\/(\d+)$/.exec(route);
    const page = update ? this.pages.find((p) => p.id === update[1]) : undefined;
    if (page) {
      page.version += 1;
      const updated = fixture("confluence", "page.updated.json");
      return { status: 200, body: { ...updated, id: page.id, title: page.title } };
    }
    return { status: 404, body: fixture("jira", "error.not-found.json") };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
