import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { UserFacingError } from "../../src/errors.ts";
import type { Task, TaskManagementAdapter } from "../../src/plugins/task-management.ts";
import { commentOnce } from "./comment-once.ts";
import type { StatusLabels } from "./config.ts";
import { type GithubCallOptions, githubCall, isNotFound } from "./github-call.ts";

export interface GithubTaskManagementOptions extends Omit<GithubCallOptions, "signal"> {
  octokit: Pick<Octokit, "request">;
  statusLabels: StatusLabels;
  /**
   * The task as the run's trigger saw it (title and body when the label was added): get_task answers
   * with it for that key, so an edit made after the trigger is never read as part of the request.
   */
  snapshot?: Task;
}

const issueSchema = z.object({
  number: z.int(),
  title: z.string(),
  body: z.string().nullable(),
  state: z.string(),
  html_url: z.string(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string() })])),
  pull_request: z.unknown().optional(),
});

interface IssueKey {
  owner: string;
  repo: string;
  number: number;
  key: string;
}

/** `owner/repo#12`, the key GitHub issues go by in every tracker-neutral place. */
export function parseIssueKey(key: string): IssueKey {
  const match = /^([\w.-]+)\/([\w.-]+)#(\d+)$/.exec(key.trim());
  if (!match) {
    throw new UserFacingError(
      "invalid_task_key",
      `"${key}" is not a GitHub issue key: write it as owner/repo#12`,
    );
  }
  const [, owner = "", repo = "", number = "0"] = match;
  return { owner, repo, number: Number(number), key: `${owner}/${repo}#${number}` };
}

/** The task_management slot on GitHub issues, through one installation's Octokit. */
export function githubTaskManagement(options: GithubTaskManagementOptions): TaskManagementAdapter {
  const { octokit } = options;
  const call = <T>(what: string, signal: AbortSignal, send: () => Promise<T>) =>
    githubCall(what, send, { ...options, signal });

  async function readIssue(issue: IssueKey, signal: AbortSignal) {
    const response = await call(`read the issue ${issue.key}`, signal, () =>
      octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
        owner: issue.owner,
        repo: issue.repo,
        issue_number: issue.number,
        request: { signal },
      }),
    );
    return issueSchema.parse(response.data);
  }

  async function openIssue(
    where: IssueKey,
    issue: { title: string; body: string; labels: string[] },
    signal: AbortSignal,
  ): Promise<{ key: string; url: string; id: number }> {
    const response = await call(`open an issue in ${where.owner}/${where.repo}`, signal, () =>
      octokit.request("POST /repos/{owner}/{repo}/issues", {
        owner: where.owner,
        repo: where.repo,
        title: issue.title,
        body: issue.body,
        ...(issue.labels.length > 0 ? { labels: issue.labels } : {}),
        request: { signal },
      }),
    );
    const opened = z.object({ id: z.int(), number: z.int(), html_url: z.string() }).parse(response.data);
    return { key: `${where.owner}/${where.repo}#${opened.number}`, url: opened.html_url, id: opened.id };
  }

  /** Makes an issue a sub-issue of another (the REST sub-issues API takes the child's id, not its number). */
  async function addSubIssue(parent: IssueKey, childId: number, signal: AbortSignal) {
    await call(`add a sub-issue to ${parent.key}`, signal, () =>
      octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
        owner: parent.owner,
        repo: parent.repo,
        issue_number: parent.number,
        sub_issue_id: childId,
        request: { signal },
      }),
    );
  }

  async function comment(
    issue: IssueKey,
    body: string,
    ctx: { idempotencyKey: string; signal: AbortSignal },
  ) {
    const target = { owner: issue.owner, repo: issue.repo, number: issue.number, what: issue.key };
    return await commentOnce(octokit, target, body, ctx.idempotencyKey, { ...options, signal: ctx.signal });
  }

  return {
    async get_task({ task_key }, ctx) {
      const issue = parseIssueKey(task_key);
      if (options.snapshot && parseIssueKey(options.snapshot.key).key === issue.key) return options.snapshot;
      const data = await readIssue(issue, ctx.signal);
      const labels = labelNames(data.labels);
      return {
        key: issue.key,
        title: data.title,
        description: data.body ?? "",
        status: data.state,
        type: data.pull_request === undefined ? "issue" : "pull_request",
        url: data.html_url,
        labels,
      };
    },

    async update_status({ task_key, status }, ctx) {
      const issue = parseIssueKey(task_key);
      const wanted = options.statusLabels[status];
      const ours = new Set(Object.values(options.statusLabels).filter((l): l is string => l !== null));
      const current = labelNames((await readIssue(issue, ctx.signal)).labels);
      for (const stale of current.filter((l) => ours.has(l) && l !== wanted)) {
        try {
          await call(`remove the label ${stale} from ${issue.key}`, ctx.signal, () =>
            octokit.request("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", {
              owner: issue.owner,
              repo: issue.repo,
              issue_number: issue.number,
              name: stale,
              request: { signal: ctx.signal },
            }),
          );
        } catch (error) {
          // Someone removed it meanwhile: the label is gone either way.
          if (!isNotFound(error)) throw error;
        }
      }
      if (wanted && !current.includes(wanted)) {
        await call(`add the label ${wanted} to ${issue.key}`, ctx.signal, () =>
          octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", {
            owner: issue.owner,
            repo: issue.repo,
            issue_number: issue.number,
            labels: [wanted],
            request: { signal: ctx.signal },
          }),
        );
      }
      return { task_key: issue.key, status };
    },

    async add_comment({ task_key, body }, ctx) {
      const created = await comment(parseIssueKey(task_key), body, ctx);
      return { comment_id: String(created.id), url: created.html_url };
    },

    async link_pull_request({ task_key, pull_request_url, title }, ctx) {
      // GitHub links an issue and a pull request by mention: the comment puts it on the issue's timeline.
      const label = title ? `${title}: ` : "";
      await comment(parseIssueKey(task_key), `Pull request: ${label}${pull_request_url}`, ctx);
      return { linked: true };
    },

    async create_task({ title, description, type, parent_key, labels }, ctx) {
      // An issue goes in the parent's repository, or the run's own when it has no parent. GitHub has no
      // epics: a planned epic becomes a sub-issue of the run's issue, and its tasks sub-issues of it.
      const home = parent_key ?? options.snapshot?.key;
      const under = parent_key ?? (type === "epic" ? options.snapshot?.key : undefined);
      if (!home) {
        throw new UserFacingError(
          "invalid_task",
          "a GitHub issue needs a repository: give create_task a parent_key (owner/repo#12)",
        );
      }
      const parent = parseIssueKey(home);
      const body = under ? `${description}\n\nPart of #${parent.number}`.trim() : description;
      const opened = await openIssue(parent, { title, body, labels }, ctx.signal);
      if (under) await addSubIssue(parseIssueKey(under), opened.id, ctx.signal);
      return { key: opened.key, url: opened.url };
    },

    async create_subtasks({ parent_key, subtasks }, ctx) {
      const parent = parseIssueKey(parent_key);
      const created: { key: string; url: string }[] = [];
      for (const subtask of subtasks) {
        const body = `${subtask.description}\n\nPart of #${parent.number}`.trim();
        const opened = await openIssue(parent, { title: subtask.title, body, labels: [] }, ctx.signal);
        created.push({ key: opened.key, url: opened.url });
      }
      return { subtasks: created };
    },
  };
}

function labelNames(labels: (string | { name: string })[]): string[] {
  return labels.map((l) => (typeof l === "string" ? l : l.name));
}
