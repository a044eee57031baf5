import { webhookExample } from "./webhook-examples.ts";

type Json = Record<string, unknown>;

export interface FakeRepository {
  owner: string;
  name: string;
  defaultBranch: string;
  /** Where git reaches the repository: the local smart-HTTP server's URL for it. */
  cloneUrl: string;
}

export interface FakePullRequest {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: "open" | "closed";
  requestedReviewers: string[];
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
}

/**
 * The stateful part of the fake GitHub: repositories, issues and their labels, pull requests and review
 * requests, branches deleted. Answers in the shapes of GitHub's own examples (@octokit/webhooks-examples
 * carry the REST objects: repository, issue, pull_request), with the fields the app reads set from state.
 */
export class FakeRepos {
  readonly repositories = new Map<string, FakeRepository>();
  readonly pulls = new Map<string, FakePullRequest[]>();
  readonly issues = new Map<string, FakeIssue>();
  readonly deletedBranches: string[] = [];
  #nextNumber = 100;

  addRepository(repo: FakeRepository): void {
    this.repositories.set(`${repo.owner}/${repo.name}`, repo);
  }

  addIssue(fullName: string, issue: FakeIssue): void {
    this.issues.set(`${fullName}#${issue.number}`, issue);
  }

  pullsOf(fullName: string): FakePullRequest[] {
    return this.pulls.get(fullName) ?? [];
  }

  /** The answer for a route this part knows, or undefined to let the rest of the fake answer. */
  answer(
    method: string,
    route: string,
    query: URLSearchParams,
    body: Json | undefined,
  ): { status: number; body?: unknown } | undefined {
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(route);
    if (!repoMatch) return undefined;
    const fullName = `${repoMatch[1]}/${repoMatch[2]}`;
    const rest = repoMatch[3] ?? "";
    const repo = this.repositories.get(fullName);
    if (!repo) return undefined;

    if (method === "GET" && rest === "") return { status: 200, body: this.#repositoryJson(repo) };

    let m = /^\/issues\/(\d+)$/.exec(rest);
    if (m && method === "GET") {
      const issue = this.issues.get(`${fullName}#${m[1]}`);
      return issue ? { status: 200, body: this.#issueJson(repo, issue) } : notFound();
    }
    m = /^\/issues\/(\d+)\/labels$/.exec(rest);
    if (m && method === "POST") {
      const issue = this.issues.get(`${fullName}#${m[1]}`);
      if (!issue) return notFound();
      const names = ((body?.labels as string[] | undefined) ?? []).filter((l) => !issue.labels.includes(l));
      issue.labels.push(...names);
      return { status: 200, body: issue.labels.map((name) => labelJson(name)) };
    }
    m = /^\/issues\/(\d+)\/labels\/(.+)$/.exec(rest);
    if (m && method === "DELETE") {
      const issue = this.issues.get(`${fullName}#${m[1]}`);
      const name = decodeURIComponent(m[2] ?? "");
      if (!issue || !issue.labels.includes(name)) return notFound();
      issue.labels = issue.labels.filter((l) => l !== name);
      return { status: 200, body: issue.labels.map((l) => labelJson(l)) };
    }
    if (rest === "/pulls" && method === "GET") {
      const head = query.get("head");
      const state = query.get("state") ?? "open";
      const found = this.pullsOf(fullName).filter(
        (p) => (state === "all" || p.state === state) && (!head || `${repo.owner}:${p.head}` === head),
      );
      return { status: 200, body: found.map((p) => this.#pullJson(repo, p)) };
    }
    if (rest === "/pulls" && method === "POST") {
      const head = String(body?.head ?? "");
      if (this.pullsOf(fullName).some((p) => p.head === head && p.state === "open")) {
        return {
          status: 422,
          body: {
            message: "Validation Failed",
            errors: [
              {
                resource: "PullRequest",
                code: "custom",
                message: `A pull request already exists for ${repo.owner}:${head}.`,
              },
            ],
            documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
          },
        };
      }
      const pull: FakePullRequest = {
        number: this.#nextNumber++,
        head,
        base: String(body?.base ?? repo.defaultBranch),
        title: String(body?.title ?? ""),
        body: String(body?.body ?? ""),
        draft: body?.draft === true,
        state: "open",
        requestedReviewers: [],
      };
      this.pulls.set(fullName, [...this.pullsOf(fullName), pull]);
      return { status: 201, body: this.#pullJson(repo, pull) };
    }
    m = /^\/pulls\/(\d+)$/.exec(rest);
    if (m) {
      const pull = this.pullsOf(fullName).find((p) => p.number === Number(m?.[1]));
      if (!pull) return undefined; // the fake's generic GET /pulls/{n} answers for pull requests it did not open
      if (method === "PATCH") {
        if (typeof body?.title === "string") pull.title = body.title;
        if (typeof body?.body === "string") pull.body = body.body;
        if (body?.state === "closed" || body?.state === "open") pull.state = body.state;
      } else if (method !== "GET") return undefined;
      return { status: 200, body: this.#pullJson(repo, pull) };
    }
    m = /^\/pulls\/(\d+)\/requested_reviewers$/.exec(rest);
    if (m && method === "POST") {
      const pull = this.pullsOf(fullName).find((p) => p.number === Number(m?.[1]));
      if (!pull) return notFound();
      for (const login of (body?.reviewers as string[] | undefined) ?? []) {
        if (!pull.requestedReviewers.includes(login)) pull.requestedReviewers.push(login);
      }
      return { status: 201, body: this.#pullJson(repo, pull) };
    }
    m = /^\/git\/refs\/heads\/(.+)$/.exec(rest);
    if (m && method === "DELETE") {
      this.deletedBranches.push(decodeURIComponent(m[1] ?? ""));
      return { status: 204 };
    }
    return undefined;
  }

  #repositoryJson(repo: FakeRepository): Json {
    const example = webhookExample("pull_request", "opened").repository as Json;
    const fullName = `${repo.owner}/${repo.name}`;
    return {
      ...example,
      name: repo.name,
      full_name: fullName,
      owner: { ...(example.owner as Json), login: repo.owner },
      default_branch: repo.defaultBranch,
      clone_url: repo.cloneUrl,
      html_url: `https://github.example/${fullName}`,
    };
  }

  #issueJson(repo: FakeRepository, issue: FakeIssue): Json {
    const example = webhookExample("issues", "opened").issue as Json;
    return {
      ...example,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      labels: issue.labels.map((name) => labelJson(name)),
      html_url: `https://github.example/${repo.owner}/${repo.name}/issues/${issue.number}`,
    };
  }

  #pullJson(repo: FakeRepository, pull: FakePullRequest): Json {
    const example = webhookExample("pull_request", "opened").pull_request as Json;
    const fullName = `${repo.owner}/${repo.name}`;
    const ref = (name: string) => ({ ...(example.head as Json), label: `${repo.owner}:${name}`, ref: name });
    return {
      ...example,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      head: ref(pull.head),
      base: ref(pull.base),
      html_url: `https://github.example/${fullName}/pull/${pull.number}`,
      url: `https://api.github.example/repos/${fullName}/pulls/${pull.number}`,
      requested_reviewers: pull.requestedReviewers.map((login) => ({
        ...((example.user as Json) ?? {}),
        login,
      })),
    };
  }
}

function labelJson(name: string): Json {
  const example = (webhookExample("issues", "labeled").label ?? {}) as Json;
  return { ...example, name };
}

function notFound() {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}
