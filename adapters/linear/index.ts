import { LinearClient, LinearError, LinearErrorType, RatelimitedLinearError } from "@linear/sdk";
import type { z } from "zod";
import { isVendorNotFound, UserFacingError } from "../../src/errors.ts";
import type { PluginCallContext } from "../../src/plugins/action-spec.ts";
import {
  type CreatedTask,
  type NewTask,
  newTaskSchema,
  type TaskCreator,
  type TaskManagementAdapter,
} from "../../src/plugins/task-management.ts";
import { createTaskAction } from "../create-task-action.ts";
import { idempotentUuid } from "../idempotent-id.ts";
import { withoutSmallPrintTags } from "../markdown/blocks.ts";
import { type VendorCallOptions, type VendorFailure, vendorCall } from "../vendor-call.ts";
import type { LinearConfig } from "./config.ts";
import * as q from "./queries.ts";
import * as s from "./schema.ts";

export { linearConfigSchema } from "./config.ts";

export interface LinearAdapterOptions extends Pick<VendorCallOptions, "sleep" | "maxRetries" | "maxWaitMs"> {
  settings: LinearConfig;
  /** Another GraphQL endpoint (a local fake); Linear's own by default. */
  apiUrl?: string | undefined;
  configFile?: string | undefined;
}

export type LinearTaskManagement = TaskManagementAdapter & TaskCreator;

const identifier = /^[A-Za-z][A-Za-z0-9]*-\d+$/;

/** The task_management slot on Linear issues (ENG-42), through @linear/sdk's GraphQL client. */
export function linearTaskManagement(options: LinearAdapterOptions): LinearTaskManagement {
  const { settings } = options;
  const apiUrl = options.apiUrl ?? settings.connection.api_url;
  const client = new LinearClient({ apiKey: settings.connection.api_key, ...(apiUrl ? { apiUrl } : {}) });
  const credentials = `connection.api_key in ${options.configFile ?? "the Linear plugin's configuration"}`;

  async function send<T extends z.ZodType>(
    what: string,
    query: string,
    variables: Record<string, unknown>,
    schema: T,
    signal: AbortSignal,
  ): Promise<z.infer<T>> {
    const response = await vendorCall(what, () => client.client.rawRequest(query, variables), {
      ...options,
      vendor: "Linear",
      credentials,
      classify: linearFailure,
      signal,
    });
    return schema.parse(response.data);
  }

  async function teamOf(key: string, signal: AbortSignal): Promise<string> {
    const data = await send(
      `read the team of ${key}`,
      q.issueTeamQuery,
      { id: key },
      s.linearIssueTeamSchema,
      signal,
    );
    return data.issue.team.id;
  }

  async function createIssue(
    input: Record<string, unknown>,
    what: string,
    signal: AbortSignal,
  ): Promise<CreatedTask> {
    const data = await send(what, q.createIssueMutation, { input }, s.linearCreatedIssueSchema, signal);
    const issue = created(data, what);
    return { key: issue.identifier, url: issue.url };
  }

  const adapter: LinearTaskManagement = {
    async get_task({ task_key }, ctx) {
      const key = checkedKey(task_key);
      const { issue } = await send(
        `read the Linear issue ${key}`,
        q.issueQuery,
        { id: key },
        s.linearIssueSchema,
        ctx.signal,
      );
      const comments = [...(issue.comments?.nodes ?? [])].sort((a, b) =>
        (a.createdAt ?? "").localeCompare(b.createdAt ?? ""),
      );
      return {
        key: issue.identifier,
        title: issue.title,
        description: issue.description ?? "",
        status: issue.state?.name ?? "",
        type: null,
        url: issue.url,
        labels: (issue.labels?.nodes ?? []).map((l) => l.name),
        assignee: issue.assignee?.displayName ?? issue.assignee?.name ?? null,
        repository: null,
        comments: comments.map((c) => ({
          author: c.user?.displayName ?? c.user?.name ?? null,
          body: c.body,
          created_at: c.createdAt ?? null,
        })),
      };
    },

    async update_status({ task_key, status }, ctx) {
      const key = checkedKey(task_key);
      const target = settings.statuses[status];
      if (!target) {
        throw new UserFacingError(
          "linear_status_unmapped",
          `move ${key} to ${status}: no Linear workflow state is configured for "${status}"; set statuses.${status} in the Linear plugin's configuration`,
        );
      }
      const { issue } = await send(
        `read the workflow states of ${key}'s team`,
        q.issueStatesQuery,
        { id: key },
        s.linearIssueStatesSchema,
        ctx.signal,
      );
      if (sameName(issue.state?.name, target)) return { task_key: issue.identifier, status: target };
      const state = issue.team.states.nodes.find((n) => sameName(n.name, target));
      if (!state) {
        const names = issue.team.states.nodes.map((n) => `"${n.name}"`).join(", ");
        throw new UserFacingError(
          "linear_state_missing",
          `move ${key} to "${target}" (${status}): the team has no workflow state of that name; it has ${names}. Set statuses.${status} in the Linear plugin's configuration to one of them`,
        );
      }
      const data = await send(
        `move ${key} to "${target}"`,
        q.moveIssueMutation,
        { id: issue.id, stateId: state.id },
        s.linearMoveSchema,
        ctx.signal,
      );
      created(data, `move ${key}`);
      return { task_key: issue.identifier, status: target };
    },

    async add_comment({ task_key, body }, ctx) {
      const key = checkedKey(task_key);
      // The comment's id comes from the step's idempotency key: a retried step finds the first attempt's.
      const id = idempotentUuid(ctx.idempotencyKey);
      const existing = await send(
        `look for this step's comment on ${key}`,
        q.commentByIdQuery,
        { id },
        s.linearCommentByIdSchema,
        ctx.signal,
      ).catch((error: unknown) => {
        if (isVendorNotFound(error)) return undefined;
        throw error;
      });
      if (existing) return { comment_id: existing.comment.id, url: existing.comment.url ?? null };
      const data = await send(
        `comment on ${key}`,
        q.createCommentMutation,
        // Linear's Markdown has no inline HTML: GitHub's small-print tags would show as text.
        { input: { id, issueId: key, body: withoutSmallPrintTags(body) } },
        s.linearCommentSchema,
        ctx.signal,
      );
      const comment = created(data, `comment on ${key}`);
      return { comment_id: comment.id, url: comment.url ?? null };
    },

    async link_pull_request({ task_key, pull_request_url, title }, ctx) {
      const key = checkedKey(task_key);
      // Linear keys attachments by URL: a second run updates the same attachment instead of adding one.
      const data = await send(
        `attach the pull request to ${key}`,
        q.createAttachmentMutation,
        {
          input: { issueId: key, url: pull_request_url, title: title ?? `Pull request ${pull_request_url}` },
        },
        s.linearAttachmentSchema,
        ctx.signal,
      );
      created(data, `attach the pull request to ${key}`);
      return { linked: true };
    },

    async create_subtasks({ parent_key, subtasks }, ctx) {
      const key = checkedKey(parent_key);
      const teamId = await teamOf(key, ctx.signal);
      const out: CreatedTask[] = [];
      for (const subtask of subtasks) {
        const input = {
          teamId,
          title: subtask.title,
          parentId: key,
          ...(subtask.description ? { description: subtask.description } : {}),
        };
        out.push(await createIssue(input, `create a sub-issue of ${key}`, ctx.signal));
      }
      return { subtasks: out };
    },

    async createTask(input: NewTask, ctx: Pick<PluginCallContext, "signal">) {
      const task = newTaskSchema.parse(input);
      // An epic is a parent issue in Linear; its tasks are its sub-issues, in the parent's team.
      let teamId: string;
      if (task.parent_key) teamId = await teamOf(checkedKey(task.parent_key), ctx.signal);
      else if (settings.team_key) {
        const data = await send(
          `find the Linear team ${settings.team_key}`,
          q.teamsByKeyQuery,
          { key: settings.team_key },
          s.linearTeamsSchema,
          ctx.signal,
        );
        const team = data.teams.nodes[0];
        if (!team) {
          throw new UserFacingError(
            "linear_team_missing",
            `create the Linear issue "${task.title}": no team has the key ${settings.team_key}; check team_key in the Linear plugin's configuration`,
          );
        }
        teamId = team.id;
      } else {
        throw new UserFacingError(
          "linear_team_missing",
          `create the Linear issue "${task.title}": no team; set team_key in the Linear plugin's configuration`,
        );
      }
      return await createIssue(
        {
          teamId,
          title: task.title,
          ...(task.description ? { description: task.description } : {}),
          ...(task.parent_key ? { parentId: task.parent_key } : {}),
        },
        `create the Linear issue "${task.title}"`,
        ctx.signal,
      );
    },

    create_task: createTaskAction((input, ctx) => adapter.createTask(input, ctx)),
  };
  return adapter;
}

function created<T>(payload: { success: boolean; entity?: T | null | undefined }, what: string): T {
  const { entity } = payload;
  if (!payload.success || !entity) {
    throw new UserFacingError(
      "linear_error",
      `${what}: Linear answered without success; the step can be retried`,
    );
  }
  return entity as T;
}

function checkedKey(key: string): string {
  const trimmed = key.trim();
  if (!identifier.test(trimmed)) {
    throw new UserFacingError(
      "invalid_task_key",
      `"${key}" is not a Linear issue identifier: write it as ENG-42`,
    );
  }
  return trimmed.toUpperCase();
}

function sameName(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Linear speaks GraphQL: "not found" is an invalid-input error, a rate limit may come as a 400 too. */
function linearFailure(error: unknown): VendorFailure | undefined {
  if (!(error instanceof LinearError)) return undefined;
  const detail = error.errors?.[0]?.message ?? error.message;
  if (error instanceof RatelimitedLinearError || error.type === LinearErrorType.Ratelimited) {
    const seconds = error instanceof RatelimitedLinearError ? error.retryAfter : undefined;
    return { status: 429, retryAfterMs: seconds === undefined ? undefined : seconds * 1000, detail };
  }
  const said = [error.message, ...(error.errors ?? []).map((e) => e.message)].join(" ");
  if (error.status === 404 || /not found|could not find/i.test(said)) return { status: 404, detail };
  if (error.type === LinearErrorType.AuthenticationError) return { status: 401, detail };
  if (error.type === LinearErrorType.Forbidden) return { status: 403, detail };
  if (error.type === LinearErrorType.InvalidInput) return { status: 400, detail };
  return { status: error.status ?? 500, detail };
}
