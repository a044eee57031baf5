import { UserFacingError } from "../../src/errors.ts";
import type { PluginCallContext } from "../../src/plugins/action-spec.ts";
import {
  type CreatedTask,
  type NewTask,
  newTaskSchema,
  type Task,
  type TaskCreator,
  type TaskManagementAdapter,
} from "../../src/plugins/task-management.ts";
import { createTaskAction } from "../create-task-action.ts";
import { adfToMarkdown, markdownToAdf } from "./adf.ts";
import { type JiraHttp, type JiraHttpOptions, jiraHttp } from "./client.ts";
import type { JiraConfig } from "./config.ts";
import {
  type JiraIssue,
  jiraCommentListSchema,
  jiraCommentSchema,
  jiraCreatedSchema,
  jiraIssueSchema,
  jiraTransitionsSchema,
} from "./schema.ts";
import { markdownToWiki, wikiToMarkdown } from "./wiki-markup.ts";

export { jiraConfigSchema } from "./config.ts";

export interface JiraAdapterOptions extends Omit<JiraHttpOptions, "connection"> {
  settings: JiraConfig;
}

export type JiraTaskManagement = TaskManagementAdapter & TaskCreator;

const commentPropertyKey = "ai-dev.step";

const issueKey = /^[A-Z][A-Z0-9_]+-\d+$/;

/** The task_management slot on Jira Cloud or Data Center / Server, as `connection.deployment` says. */
export function jiraTaskManagement(options: JiraAdapterOptions): JiraTaskManagement {
  const { settings } = options;
  const http: JiraHttp = jiraHttp({ ...options, connection: settings.connection });
  const cloud = http.deployment === "cloud";
  const richText = (markdown: string) => (cloud ? markdownToAdf(markdown) : markdownToWiki(markdown));
  const readText = (value: unknown) =>
    typeof value === "string" ? (cloud ? value : wikiToMarkdown(value)) : adfToMarkdown(value);
  const browse = (key: string) => `${http.site}/browse/${key}`;

  async function readIssue(key: string, fields: string[], signal: AbortSignal): Promise<JiraIssue> {
    const data = await http.send(
      `read the Jira issue ${key}`,
      { path: `issue/${encodeURIComponent(key)}`, searchParams: { fields: fields.join(",") } },
      signal,
    );
    return jiraIssueSchema.parse(data);
  }

  async function create(fields: Record<string, unknown>, what: string, signal: AbortSignal) {
    const data = await http.send(what, { method: "POST", path: "issue", body: { fields } }, signal);
    const created = jiraCreatedSchema.parse(data);
    return { key: created.key, url: browse(created.key) };
  }

  /** The field that ties a task to its epic: parent on Cloud, the Epic Link field on Data Center when set. */
  function epicField(epicKey: string): Record<string, unknown> {
    const epicLink = settings.custom_fields.epic_link;
    return !cloud && epicLink ? { [epicLink]: epicKey } : { parent: { key: epicKey } };
  }

  const adapter: JiraTaskManagement = {
    async get_task({ task_key }, ctx) {
      const key = checkedKey(task_key);
      const repoField = settings.custom_fields.repo_url;
      const fields = [
        "summary",
        "description",
        "status",
        "assignee",
        "issuetype",
        "labels",
        "comment",
        "project",
      ];
      const issue = await readIssue(key, repoField ? [...fields, repoField] : fields, ctx.signal);
      const f = issue.fields;
      const task: Task = {
        key: issue.key,
        title: f.summary,
        description: readText(f.description ?? ""),
        status: f.status?.name ?? "",
        type: f.issuetype?.name ?? null,
        url: browse(issue.key),
        labels: f.labels ?? [],
        assignee: f.assignee?.displayName ?? null,
        project: f.project?.key ?? null,
        repository: repoField ? fieldText(f[repoField]) : null,
        comments: (f.comment?.comments ?? []).map((c) => ({
          author: c.author?.displayName ?? null,
          body: readText(c.body),
          created_at: c.created ?? null,
        })),
      };
      return task;
    },

    async update_status({ task_key, status }, ctx) {
      const key = checkedKey(task_key);
      const target = settings.statuses[status];
      if (!target) {
        throw new UserFacingError(
          "jira_status_unmapped",
          `move ${key} to ${status}: no Jira status is configured for "${status}"; set statuses.${status} in the Jira plugin's configuration`,
        );
      }
      // A retried step finds the issue already there: moving it again would fail or loop the workflow.
      const current = await readIssue(key, ["status"], ctx.signal);
      if (sameName(current.fields.status?.name, target)) return { task_key: key, status: target };
      const data = await http.send(
        `list the transitions of ${key}`,
        { path: `issue/${encodeURIComponent(key)}/transitions` },
        ctx.signal,
      );
      const { transitions } = jiraTransitionsSchema.parse(data);
      const transition = transitions.find((t) => sameName(t.to.name, target));
      if (!transition) {
        const available = transitions.map((t) => `"${t.name}" → ${t.to.name}`).join(", ") || "none";
        throw new UserFacingError(
          "jira_transition_missing",
          `move ${key} to "${target}" (${status}): no transition from "${current.fields.status?.name ?? "its status"}" leads there; available: ${available}. Set statuses.${status} in the Jira plugin's configuration to one of those targets, or add the transition to the project's workflow`,
        );
      }
      await http.send(
        `move ${key} to "${target}"`,
        {
          method: "POST",
          path: `issue/${encodeURIComponent(key)}/transitions`,
          body: { transition: { id: transition.id } },
        },
        ctx.signal,
      );
      return { task_key: key, status: target };
    },

    async add_comment({ task_key, body }, ctx) {
      const key = checkedKey(task_key);
      const path = `issue/${encodeURIComponent(key)}/comment`;
      const url = (id: string) => `${browse(key)}?focusedCommentId=${id}`;
      // Each comment carries the step's idempotency key as an entity property: a retried step finds the
      // first attempt's comment among the newest ones instead of posting it twice.
      const recent = jiraCommentListSchema.parse(
        await http.send(
          `read the comments of ${key}`,
          { path, searchParams: { expand: "properties", orderBy: "-created", maxResults: "50" } },
          ctx.signal,
        ),
      );
      const mine = recent.comments.find((c) =>
        (c.properties ?? []).some(
          (p) =>
            p.key === commentPropertyKey && (p.value as { key?: unknown } | null)?.key === ctx.idempotencyKey,
        ),
      );
      if (mine) return { comment_id: mine.id, url: url(mine.id) };
      const data = await http.send(
        `comment on ${key}`,
        {
          method: "POST",
          path,
          body: {
            body: richText(body),
            properties: [{ key: commentPropertyKey, value: { key: ctx.idempotencyKey } }],
          },
        },
        ctx.signal,
      );
      const comment = jiraCommentSchema.parse(data);
      return { comment_id: comment.id, url: url(comment.id) };
    },

    async link_pull_request({ task_key, pull_request_url, title }, ctx) {
      const key = checkedKey(task_key);
      // The URL as globalId makes the link idempotent: Jira updates the link with that id instead of adding one.
      await http.send(
        `link the pull request on ${key}`,
        {
          method: "POST",
          path: `issue/${encodeURIComponent(key)}/remotelink`,
          body: {
            globalId: pull_request_url,
            object: { url: pull_request_url, title: title ?? `Pull request ${pull_request_url}` },
          },
        },
        ctx.signal,
      );
      const prField = settings.custom_fields.pr_url;
      if (prField) {
        await http.send(
          `set ${prField} on ${key}`,
          {
            method: "PUT",
            path: `issue/${encodeURIComponent(key)}`,
            body: { fields: { [prField]: pull_request_url } },
          },
          ctx.signal,
        );
      }
      return { linked: true };
    },

    async create_subtasks({ parent_key, subtasks }, ctx) {
      const key = checkedKey(parent_key);
      const parent = await readIssue(key, ["issuetype", "project"], ctx.signal);
      const project = parent.fields.project?.key ?? key.split("-")[0] ?? "";
      const underEpic = sameName(parent.fields.issuetype?.name, settings.mappings.epic_issue_type);
      const created: CreatedTask[] = [];
      for (const subtask of subtasks) {
        const fields = {
          project: { key: project },
          summary: subtask.title,
          issuetype: {
            name: underEpic ? settings.mappings.task_issue_type : settings.mappings.subtask_issue_type,
          },
          ...(subtask.description ? { description: richText(subtask.description) } : {}),
          ...(underEpic ? epicField(key) : { parent: { key } }),
        };
        created.push(await create(fields, `create a task under ${key}`, ctx.signal));
      }
      return { subtasks: created };
    },

    async createTask(input: NewTask, ctx: Pick<PluginCallContext, "signal">) {
      const task = newTaskSchema.parse(input);
      const project = settings.project_key ?? task.parent_key?.split("-")[0];
      if (!project) {
        throw new UserFacingError(
          "jira_project_missing",
          `create the Jira ${task.type} "${task.title}": no project; set project_key in the Jira plugin's configuration`,
        );
      }
      const epic = task.type === "epic";
      const fields = {
        project: { key: project },
        summary: task.title,
        issuetype: { name: epic ? settings.mappings.epic_issue_type : settings.mappings.task_issue_type },
        ...(task.description ? { description: richText(task.description) } : {}),
        ...(task.parent_key ? epicField(checkedKey(task.parent_key)) : {}),
      };
      return await create(fields, `create the Jira ${task.type} "${task.title}" in ${project}`, ctx.signal);
    },

    create_task: createTaskAction((input, ctx) => adapter.createTask(input, ctx)),
  };
  return adapter;
}

function checkedKey(key: string): string {
  const trimmed = key.trim();
  if (!issueKey.test(trimmed)) {
    throw new UserFacingError("invalid_task_key", `"${key}" is not a Jira issue key: write it as PROJ-123`);
  }
  return trimmed;
}

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** A URL field holds a string; a select or a repository picker holds `{ value }` or `{ name }`. */
/** A field's text: a string, or the value, URL or name of an option-like object. */
export function fieldText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "object" && value !== null) {
    const v = value as { value?: unknown; name?: unknown; url?: unknown };
    for (const candidate of [v.value, v.url, v.name]) if (typeof candidate === "string") return candidate;
  }
  return null;
}
