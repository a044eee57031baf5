import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";
import { waitFor } from "../wait-for.ts";
import { throwawayPrivateKey, webhookExample } from "./webhook-examples.ts";

const fixtures = path.join(import.meta.dirname, "fixtures", "github");

/** One of GitHub's published REST answers in fixtures/github (see its README), as a fresh copy. */
export function githubFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(fixtures, name), "utf8")) as Record<string, unknown>;
}

/**
 * The environment of a registered GitHub App whose GitHub is the fake at `githubHost`: reached as a
 * GitHub Enterprise Server over plain HTTP, with a throwaway key and the given webhook secret.
 */
export function registeredAppEnv(options: {
  githubHost: string;
  webhookSecret: string;
}): Record<string, string> {
  return {
    APP_ID: "123",
    PRIVATE_KEY: throwawayPrivateKey(),
    WEBHOOK_SECRET: options.webhookSecret,
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: "http",
  };
}

export interface FakePull {
  repository: string;
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
  requestedReviewers: string[];
}

/** A review thread as GitHub's GraphQL `PullRequestReviewThread` has it, comments oldest first. */
export interface FakeReviewThread {
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  path: string;
  line: number | null;
  startLine: number | null;
  comments: {
    databaseId: number;
    author: { login: string } | null;
    body: string;
    createdAt: string;
    lastEditedAt: string | null;
  }[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  /** When it arrived, on this process's `performance.now()` clock. */
  at: number;
}

/**
 * GitHub's REST API as far as the app uses it, on 127.0.0.1, answering with GitHub's published
 * examples. Child processes reach it through GHE_HOST / GHE_PROTOCOL=http like a GitHub Enterprise
 * Server; every request is recorded so tests assert what the app did.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** login → role_name (admin, maintain, write, triage, read); absent logins answer 404. */
  readonly roles = new Map<string, string>();
  /** owner/name → the text of .github/ai-dev.yml; absent repositories answer 404. */
  readonly repoConfigs = new Map<string, string>();
  /** owner/name → what `GET /repos/{owner}/{repo}` answers with; absent repositories answer 404. */
  readonly repositories = new Map<string, { defaultBranch: string; cloneUrl: string }>();
  /** owner/name → the id of the app's installation on it (`GET /repos/{owner}/{repo}/installation`); absent: 404. */
  readonly installations = new Map<string, number>();
  /** Pull requests opened through the API, in order: GitHub's rules for one open PR per head hold. */
  readonly pulls: FakePull[] = [];
  /** owner/name#number → the issue's label names. */
  readonly issueLabels = new Map<string, string[]>();
  /** issue number → its comments, in GitHub's issue-comment shape (see `issueComment`); absent: none. */
  readonly issueComments = new Map<number, Record<string, unknown>[]>();
  /** review id → the review and its inline comments, in GitHub's shapes (see `review`, `reviewComment`). */
  readonly reviews = new Map<
    number,
    { review: Record<string, unknown>; comments: Record<string, unknown>[] }
  >();
  /** owner/name#number → its review threads (GraphQL `reviewThreads`); replies through REST join them. */
  readonly reviewThreads = new Map<string, FakeReviewThread[]>();
  /** check suite id → its check runs, in the REST shape (see `checkRun`). */
  readonly checkRuns = new Map<number, Record<string, unknown>[]>();
  /** check run id → its annotations, in the REST shape (see `annotation`). */
  readonly annotations = new Map<number, Record<string, unknown>[]>();
  /** The app's slug, as `GET /app` answers and as GraphQL names the app's comments' author. */
  appSlug = "ai-dev";
  /** The id of the app's bot user (`GET /users/{slug}[bot]`): commits name it in their e-mail. */
  appBotUserId = 49795351;
  /** Issues opened through the API (`POST /repos/{owner}/{repo}/issues`), in order. */
  readonly openedIssues: {
    repository: string;
    id: number;
    number: number;
    title: string;
    body: string;
    labels: string[];
  }[] = [];
  /** owner/name#number of a parent → the ids of its sub-issues, in the order they were added. */
  readonly subIssues = new Map<string, number[]>();
  #server: Server | undefined;
  #nextCommentId = 1000;
  #nextIssueNumber = 500;
  #nextPullNumber = 100;
  #deletedRefs = new Set<string>();
  #postedComments: { path: string; comment: Record<string, unknown> }[] = [];
  port = 0;

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(({ status, body, raw }) => {
        if (raw !== undefined) {
          res.writeHead(status, { "content-type": "application/vnd.github.raw; charset=utf-8" }).end(raw);
          return;
        }
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.#server ? this.#server.close(resolve) : resolve(undefined)));
  }

  /** Waits until the newest comment (posted or edited) passes `test`, and returns its text. */
  async waitForComment(test: (body: string) => boolean, what: string, deadlineMs = 20_000): Promise<string> {
    return await waitFor(
      async () => {
        const body = this.comments().at(-1)?.body;
        return body !== undefined && test(body) ? body : undefined;
      },
      deadlineMs,
      what,
    );
  }

  /** The comments posted (POST) and edited (PATCH), in order. */
  comments(): { method: string; path: string; body: string }[] {
    return this.requests
      .filter((r) => r.path.includes("/comments") && (r.method === "POST" || r.method === "PATCH"))
      .map((r) => ({
        method: r.method,
        path: r.path,
        body: String((r.body as { body?: string }).body ?? ""),
      }));
  }

  /** An issue comment as GitHub lists it: the webhook example's comment, which is the REST shape. */
  issueComment(fields: { id: number; login: string; body: string; createdAt: Date; type?: string }) {
    const example = webhookExample("issue_comment", "created").comment as Record<string, unknown> & {
      user: Record<string, unknown>;
    };
    return {
      ...example,
      id: fields.id,
      body: fields.body,
      created_at: fields.createdAt.toISOString(),
      updated_at: fields.createdAt.toISOString(),
      user: { ...example.user, login: fields.login, type: fields.type ?? "User" },
    };
  }

  /** A review as GET …/reviews/{id} answers: the pull_request_review webhook example's review. */
  review(fields: { id: number; state: string; body: string | null }) {
    const example = webhookExample("pull_request_review", "submitted").review as Record<string, unknown>;
    return { ...example, ...fields };
  }

  /** A review comment as GET …/reviews/{id}/comments lists it: the review comment webhook example's. */
  reviewComment(fields: { id: number; reviewId: number; path: string; line: number; body: string }) {
    const example = webhookExample("pull_request_review_comment", "created").comment as Record<
      string,
      unknown
    >;
    return {
      ...example,
      id: fields.id,
      pull_request_review_id: fields.reviewId,
      path: fields.path,
      line: fields.line,
      original_line: fields.line,
      start_line: null,
      original_start_line: null,
      body: fields.body,
    };
  }

  /** A check run as GET …/check-suites/{id}/check-runs lists it: the check_run webhook example's. */
  checkRun(fields: { id: number; name: string; conclusion: string; title: string; summary: string }) {
    const example = webhookExample("check_run", "completed").check_run as Record<string, unknown> & {
      output: Record<string, unknown>;
    };
    return {
      ...example,
      id: fields.id,
      name: fields.name,
      status: "completed",
      conclusion: fields.conclusion,
      output: {
        ...example.output,
        title: fields.title,
        summary: fields.summary,
        annotations_count: this.annotations.get(fields.id)?.length ?? 0,
      },
    };
  }

  /**
   * A check run annotation as GET …/check-runs/{id}/annotations lists it: the fields of GitHub's
   * `check-annotation` schema (@octokit/openapi-types, components.schemas["check-annotation"]).
   */
  annotation(fields: {
    path: string;
    line: number;
    level: "notice" | "warning" | "failure";
    message: string;
  }) {
    return {
      path: fields.path,
      start_line: fields.line,
      end_line: fields.line,
      start_column: null,
      end_column: null,
      annotation_level: fields.level,
      title: null,
      message: fields.message,
      raw_details: null,
      blob_href: `http://${this.host}/blob/${fields.path}`,
    };
  }

  /** The review comments posted as replies (`POST …/pulls/{n}/comments/{id}/replies`), in order. */
  replies(): { repository: string; number: number; commentId: number; body: string }[] {
    return this.requests.flatMap((r) => {
      const match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(r.path);
      if (r.method !== "POST" || !match) return [];
      return [
        {
          repository: `${match[1]}/${match[2]}`,
          number: Number(match[3]),
          commentId: Number(match[4]),
          body: String((r.body as { body?: string }).body ?? ""),
        },
      ];
    });
  }

  async #answer(req: IncomingMessage): Promise<{ status: number; body?: unknown; raw?: string }> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake");
    const route = url.pathname.replace(/^\/api\/v3/, "");
    const method = req.method ?? "GET";
    this.requests.push({ method, path: route, body: text ? JSON.parse(text) : undefined, at });

    let match = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(route);
    if (method === "POST" && match) {
      return {
        status: 201,
        body: {
          ...githubFixture("installation-token.json"),
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        },
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(route);
    if (method === "GET" && match) {
      const id = this.installations.get(`${match[1]}/${match[2]}`);
      if (id === undefined) return { status: 404, body: { message: "Not Found" } };
      // The installation webhook's `installation` is the REST API's installation object.
      const example = webhookExample("installation", "created").installation as Record<string, unknown>;
      return { status: 200, body: { ...example, id } };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/.exec(route);
    if (method === "GET" && match) {
      const login = decodeURIComponent(match[3] ?? "");
      const role = this.roles.get(login);
      if (!role)
        return {
          status: 404,
          body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
        };
      const example = githubFixture("collaborator-permission.json") as { user: Record<string, unknown> };
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
      return {
        status: 200,
        body: { ...example, permission, role_name: role, user: { ...example.user, login } },
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(route);
    if (method === "GET" && match) {
      const config = this.repoConfigs.get(`${match[1]}/${match[2]}`);
      if (config === undefined || decodeURIComponent(match[3] ?? "") !== ".github/ai-dev.yml") {
        return { status: 404, body: { message: "Not Found" } };
      }
      // Probot's config plugin asks for the raw media type, and GitHub then answers with the file itself.
      if (String(req.headers.accept ?? "").includes("raw")) return { status: 200, raw: config };
      return {
        status: 200,
        body: { type: "file", encoding: "base64", content: Buffer.from(config).toString("base64") },
      };
    }
    if (method === "POST" && route === "/api/graphql") return this.#graphql(text);
    if (method === "GET" && route === "/app") {
      // The check_suite example's `app` is the REST API's app object.
      const check = webhookExample("check_suite", "completed").check_suite as {
        app: Record<string, unknown>;
      };
      return { status: 200, body: { ...check.app, slug: this.appSlug } };
    }
    if (method === "GET" && route.startsWith("/users/")) {
      // The app's bot user, as the check_suite.rerequested example's sender (a Bot) is shaped; others 404.
      const login = decodeURIComponent(route.slice("/users/".length));
      if (login !== `${this.appSlug}[bot]`) return { status: 404, body: { message: "Not Found" } };
      const bot = webhookExample("check_suite", "rerequested").sender as Record<string, unknown>;
      return { status: 200, body: { ...bot, login, id: this.appBotUserId } };
    }
    const checks = this.#checks(method, route);
    if (checks) return checks;
    const reply = method === "POST" ? this.#reply(route, text) : undefined;
    if (reply) return reply;
    const stateful = this.#pullsAndIssues(method, route, url, text);
    if (stateful) return stateful;
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(route);
    if (method === "GET" && match) {
      // A pull request opened through this fake as it stands; any other number, GitHub's example.
      const opened = this.pulls.find(
        (p) => p.repository === `${match?.[1]}/${match?.[2]}` && p.number === Number(match?.[3]),
      );
      if (opened) return { status: 200, body: this.#pullBody(opened) };
      const pull = webhookExample("pull_request", "opened").pull_request as Record<string, unknown>;
      return { status: 200, body: { ...pull, number: Number(match[3]) } };
    }
    const page = (items: readonly unknown[]) => {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const number = Number(url.searchParams.get("page") ?? 1);
      return items.slice((number - 1) * perPage, number * perPage);
    };
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/reviews\/(\d+)(\/comments)?$/.exec(route);
    if (method === "GET" && match) {
      const review = this.reviews.get(Number(match[4]));
      if (!review) return { status: 404, body: { message: "Not Found" } };
      return { status: 200, body: match[5] ? page(review.comments) : review.review };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(route);
    if (method === "GET" && match) {
      // The comments a test seeded, then the app's own (edits are not reflected: the adapters only
      // look for what they posted).
      const posted = this.#postedComments.filter((c) => c.path === route).map((c) => c.comment);
      return { status: 200, body: page([...(this.issueComments.get(Number(match[3])) ?? []), ...posted]) };
    }
    if (method === "POST" && match) {
      const comment = webhookExample("issue_comment", "created").comment as Record<string, unknown>;
      const id = this.#nextCommentId++;
      const now = new Date().toISOString();
      const posted = {
        ...comment,
        id,
        body: (JSON.parse(text) as { body: string }).body,
        // Posted by the app: GitHub shows an App's comments as its bot user's.
        user: { ...(comment.user as Record<string, unknown>), login: "ai-dev[bot]", type: "Bot" },
        created_at: now,
        updated_at: now,
      };
      this.#postedComments.push({ path: route, comment: posted });
      return { status: 201, body: posted };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(route);
    if (method === "PATCH" && match) {
      const comment = webhookExample("issue_comment", "created").comment as Record<string, unknown>;
      return {
        status: 200,
        body: { ...comment, id: Number(match[3]), body: (JSON.parse(text) as { body: string }).body },
      };
    }
    return { status: 404, body: { message: `fake GitHub has no route for ${method} ${route}` } };
  }

  /** Check runs of a suite and their annotations, and replies in review threads. */
  #checks(method: string, route: string): { status: number; body?: unknown } | undefined {
    let match = /^\/repos\/([^/]+)\/([^/]+)\/check-suites\/(\d+)\/check-runs$/.exec(route);
    if (method === "GET" && match) {
      const runs = this.checkRuns.get(Number(match[3]));
      if (!runs) return { status: 404, body: { message: "Not Found" } };
      return { status: 200, body: { total_count: runs.length, check_runs: runs } };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)\/annotations$/.exec(route);
    if (method === "GET" && match) return { status: 200, body: this.annotations.get(Number(match[3])) ?? [] };
    return undefined;
  }

  #reply(route: string, text: string): { status: number; body?: unknown } | undefined {
    const match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/comments\/(\d+)\/replies$/.exec(route);
    if (!match) return undefined;
    const threads = this.reviewThreads.get(`${match[1]}/${match[2]}#${match[3]}`) ?? [];
    const inReplyTo = Number(match[4]);
    // GitHub answers 404 for a comment that is not on the pull request, and a reply to a reply goes to
    // the thread's first comment.
    const thread = threads.find((t) => t.comments.some((c) => c.databaseId === inReplyTo));
    if (!thread) return { status: 404, body: { message: "Not Found" } };
    const body = String((JSON.parse(text) as { body?: string }).body ?? "");
    const id = this.#nextCommentId++;
    const now = new Date().toISOString();
    thread.comments.push({
      databaseId: id,
      author: { login: this.appSlug },
      body,
      createdAt: now,
      lastEditedAt: null,
    });
    const example = webhookExample("pull_request_review_comment", "created").comment as Record<
      string,
      unknown
    >;
    return {
      status: 201,
      body: {
        ...example,
        id,
        body,
        path: thread.path,
        line: thread.line,
        in_reply_to_id: thread.comments[0]?.databaseId ?? inReplyTo,
        user: { ...(example.user as Record<string, unknown>), login: `${this.appSlug}[bot]`, type: "Bot" },
        created_at: now,
        updated_at: now,
      },
    };
  }

  /** Repositories, pull requests, review requests, labels and branches: what the GitHub adapters use. */
  #pullsAndIssues(
    method: string,
    route: string,
    url: URL,
    text: string,
  ): { status: number; body?: unknown } | undefined {
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const notFound = {
      status: 404,
      body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
    };
    let match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(route);
    if (method === "GET" && match) {
      const fullName = `${match[1]}/${match[2]}`;
      const repository = this.repositories.get(fullName);
      if (!repository) return notFound;
      const example = webhookExample("issues", "labeled").repository as Record<string, unknown>;
      return {
        status: 200,
        body: {
          ...example,
          name: match[2],
          full_name: fullName,
          default_branch: repository.defaultBranch,
          clone_url: repository.cloneUrl,
          html_url: `http://${this.host}/${fullName}`,
        },
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(route);
    if (match) {
      const [owner, repo] = [match[1] ?? "", match[2] ?? ""];
      const repository = `${owner}/${repo}`;
      if (method === "GET") {
        const head = url.searchParams.get("head");
        const state = url.searchParams.get("state") ?? "open";
        const found = this.pulls.filter(
          (p) =>
            p.repository === repository &&
            (state === "all" || p.state === state) &&
            (head === null || `${owner}:${p.head}` === head),
        );
        return { status: 200, body: found.map((p) => this.#pullBody(p)) };
      }
      if (method === "POST") {
        const head = String(body.head);
        if (this.pulls.some((p) => p.repository === repository && p.head === head && p.state === "open")) {
          return {
            status: 422,
            body: {
              message: "Validation Failed",
              errors: [
                {
                  resource: "PullRequest",
                  code: "custom",
                  message: `A pull request already exists for ${owner}:${head}.`,
                },
              ],
            },
          };
        }
        const pull: FakePull = {
          repository,
          number: this.#nextPullNumber++,
          head,
          base: String(body.base),
          title: String(body.title),
          body: String(body.body ?? ""),
          draft: body.draft === true,
          state: "open",
          requestedReviewers: [],
        };
        this.pulls.push(pull);
        return { status: 201, body: this.#pullBody(pull) };
      }
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)(\/requested_reviewers)?$/.exec(route);
    if (match && (method === "PATCH" || (method === "POST" && match[4]))) {
      const pull = this.pulls.find(
        (p) => p.repository === `${match?.[1]}/${match?.[2]}` && p.number === Number(match?.[3]),
      );
      if (!pull) return notFound;
      if (method === "PATCH") {
        if (typeof body.title === "string") pull.title = body.title;
        if (typeof body.body === "string") pull.body = body.body;
      } else {
        // GitHub lists a requested reviewer once, however often the review is asked of them.
        for (const login of (body.reviewers as string[] | undefined) ?? [])
          if (!pull.requestedReviewers.includes(login)) pull.requestedReviewers.push(login);
      }
      return { status: method === "POST" ? 201 : 200, body: this.#pullBody(pull) };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(route);
    if (method === "POST" && match) {
      const repository = `${match[1]}/${match[2]}`;
      const number = this.#nextIssueNumber++;
      const opened = {
        repository,
        id: 9_000_000 + number,
        number,
        title: String(body.title),
        body: String(body.body ?? ""),
        labels: (body.labels as string[] | undefined) ?? [],
      };
      this.openedIssues.push(opened);
      this.issueLabels.set(`${repository}#${number}`, [...opened.labels]);
      const example = webhookExample("issues", "opened").issue as Record<string, unknown>;
      return {
        status: 201,
        body: {
          ...example,
          id: opened.id,
          number,
          title: opened.title,
          body: opened.body,
          labels: opened.labels.map((name) => ({ name })),
          html_url: `http://${this.host}/${repository}/issues/${number}`,
        },
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/sub_issues$/.exec(route);
    if (method === "POST" && match) {
      // https://docs.github.com/rest/issues/sub-issues#add-sub-issue: the child by its id; 422 when it
      // is already a sub-issue of some parent.
      const key = `${match[1]}/${match[2]}#${match[3]}`;
      const child = Number(body.sub_issue_id);
      if ([...this.subIssues.values()].some((ids) => ids.includes(child)))
        return { status: 422, body: { message: "Validation Failed" } };
      if (!this.openedIssues.some((i) => i.id === child)) return notFound;
      this.subIssues.set(key, [...(this.subIssues.get(key) ?? []), child]);
      const example = webhookExample("issues", "opened").issue as Record<string, unknown>;
      return { status: 201, body: { ...example, number: Number(match[3]) } };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(route);
    if (method === "GET" && match) {
      const key = `${match[1]}/${match[2]}#${match[3]}`;
      const labels = this.issueLabels.get(key);
      if (!labels) return notFound;
      const example = webhookExample("issues", "labeled").issue as Record<string, unknown> & {
        labels: object[];
      };
      const template = example.labels[0] ?? {};
      return {
        status: 200,
        body: { ...example, number: Number(match[3]), labels: labels.map((name) => ({ ...template, name })) },
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels(?:\/(.+))?$/.exec(route);
    if (match && (method === "POST" || method === "DELETE")) {
      const key = `${match[1]}/${match[2]}#${match[3]}`;
      const labels = this.issueLabels.get(key) ?? [];
      if (method === "POST") {
        for (const label of (body.labels as string[] | undefined) ?? [])
          if (!labels.includes(label)) labels.push(label);
      } else {
        const name = decodeURIComponent(match[4] ?? "");
        if (!labels.includes(name)) return { status: 404, body: { message: "Label does not exist" } };
        labels.splice(labels.indexOf(name), 1);
      }
      this.issueLabels.set(key, labels);
      return { status: 200, body: labels.map((name) => ({ name })) };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/git\/refs\/(.+)$/.exec(route);
    if (method === "DELETE" && match) {
      const ref = `${match[1]}/${match[2]}:${decodeURIComponent(match[3] ?? "")}`;
      if (this.#deletedRefs.has(ref)) return { status: 422, body: { message: "Reference does not exist" } };
      this.#deletedRefs.add(ref);
      return { status: 204 };
    }
    return undefined;
  }

  /**
   * GitHub's GraphQL API (`/api/graphql` on GitHub Enterprise Server) for the one mutation the app
   * sends: `markPullRequestReadyForReview`, by the pull request's node id. GitHub answers 200 with
   * `errors` for what it refuses (https://docs.github.com/graphql/guides/forming-calls-with-graphql).
   */
  #graphql(text: string): { status: number; body: unknown } {
    const request = JSON.parse(text) as {
      query?: string;
      variables?: Record<string, unknown> & { id?: string };
    };
    const query = request.query ?? "";
    if (/\breviewThreads\b/.test(query)) return this.#reviewThreadsAnswer(request.variables ?? {});
    if (/\bresolveReviewThread\b/.test(query)) {
      const thread = [...this.reviewThreads.values()]
        .flat()
        .find((t) => t.id === request.variables?.threadId);
      if (!thread)
        return {
          status: 200,
          body: {
            data: { resolveReviewThread: null },
            errors: [{ type: "NOT_FOUND", message: "Could not resolve to a node" }],
          },
        };
      thread.isResolved = true;
      return {
        status: 200,
        body: { data: { resolveReviewThread: { thread: { id: thread.id, isResolved: true } } } },
      };
    }
    if (!/\bmarkPullRequestReadyForReview\b/.test(query)) {
      return { status: 200, body: { errors: [{ message: "fake GitHub answers no such query" }] } };
    }
    const pull = this.pulls.find((p) => nodeIdOf(p) === request.variables?.id);
    if (!pull) {
      return {
        status: 200,
        body: {
          data: { markPullRequestReadyForReview: null },
          errors: [
            {
              type: "NOT_FOUND",
              path: ["markPullRequestReadyForReview"],
              message: `Could not resolve to a node with the global id of '${request.variables?.id}'`,
            },
          ],
        },
      };
    }
    pull.draft = false;
    return {
      status: 200,
      body: { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } },
    };
  }

  /**
   * `repository.pullRequest.reviewThreads` (https://docs.github.com/graphql/reference/objects#pullrequest)
   * in pages of `first` threads after the cursor `after` (the index of the last thread given).
   */
  #reviewThreadsAnswer(variables: Record<string, unknown>): { status: number; body: unknown } {
    const key = `${String(variables.owner)}/${String(variables.name)}#${String(variables.number)}`;
    const threads = this.reviewThreads.get(key) ?? [];
    const start = typeof variables.after === "string" ? Number(variables.after) + 1 : 0;
    const nodes = threads.slice(start, start + 100);
    const end = start + nodes.length - 1;
    return {
      status: 200,
      body: {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: {
                pageInfo: {
                  hasNextPage: end + 1 < threads.length,
                  endCursor: nodes.length ? String(end) : null,
                },
                nodes: nodes.map((t) => ({ ...t, comments: { nodes: t.comments } })),
              },
            },
          },
        },
      },
    };
  }

  #pullBody(pull: FakePull): Record<string, unknown> {
    const example = webhookExample("pull_request", "opened").pull_request as Record<string, unknown> & {
      head: Record<string, unknown>;
      base: Record<string, unknown>;
      user: Record<string, unknown>;
    };
    return {
      ...example,
      number: pull.number,
      node_id: nodeIdOf(pull),
      html_url: `http://${this.host}/${pull.repository}/pull/${pull.number}`,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      state: pull.state,
      head: { ...example.head, ref: pull.head },
      base: { ...example.base, ref: pull.base },
      requested_reviewers: pull.requestedReviewers.map((login) => ({ ...example.user, login })),
    };
  }
}

/** A pull request's GraphQL node id, unique per repository and number like GitHub's (`PR_kw…`). */
function nodeIdOf(pull: Pick<FakePull, "repository" | "number">): string {
  return `PR_kw${Buffer.from(`${pull.repository}#${pull.number}`).toString("base64url")}`;
}
