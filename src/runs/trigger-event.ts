import { z } from "zod";
import { runTriggerSchema } from "./run-request.ts";
import { slashCommands } from "./slash-command.ts";

/**
 * What a webhook asked for, before anyone checked who asked. The webhook commits it with its delivery
 * and answers at once; the intake worker then authorizes the person (asking GitHub), reads the
 * repository's settings and starts the run or answers the command. Nothing here is trusted yet.
 */
const base = { trigger: runTriggerSchema, senderType: z.string() };

/** A tracker ticket as its webhook names it; the intake reads the rest through the tracker's adapter. */
const ticketSchema = z.object({
  /** ABC-1, WEB-44. */
  key: z.string().min(1),
  url: z.string(),
});

/** Who acted on the ticket, in the tracker's terms, and the GitHub login configuration maps them to. */
const trackerPersonSchema = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  /** The mapped GitHub login; null when the tracker maps no users (anyone who can move a ticket may). */
  login: z.string().min(1).nullable(),
});

export const triggerEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("label"), label: z.string(), ...base }),
  z.object({
    kind: z.literal("command"),
    command: z.object({ name: z.enum(slashCommands), argument: z.string(), rest: z.string() }),
    ...base,
  }),
  z.object({
    kind: z.literal("review"),
    instructions: z.string(),
    /** The pull request's branch (head ref), from the webhook. */
    branch: z.string().min(1),
    reviewId: z.int().optional(),
    ...base,
  }),
  /**
   * A check suite completed with failure on a pull request the app opened. Nobody asked: the app revises
   * its own pull request, so no person is authorized; the failing checks are read when it is accepted.
   */
  z.object({
    kind: z.literal("checks_failed"),
    checkSuiteId: z.int(),
    /** The pull request's branch (head ref), from the webhook. */
    branch: z.string().min(1),
    ...base,
  }),
  /**
   * The title or body was edited. Not a request: a run already working on the issue keeps the
   * version it was given, and its progress comment says the issue changed. `trigger.target` holds the
   * text after the edit.
   */
  z.object({ kind: z.literal("edited"), changed: z.array(z.enum(["title", "body"])).min(1), ...base }),
  /**
   * An issue to implement, asked for in the team's chat (a slash command). Nothing of the issue is known
   * yet, and the person is known by the GitHub login the configuration maps their chat user to: the
   * intake worker finds the repository's installation, asks GitHub whether that login may write, reads
   * the issue and starts the default workflow exactly as its label would. Answers go back to the chat.
   */
  z.object({
    kind: z.literal("chat_implement"),
    /** What the chat calls the request, e.g. slack.slash_command: the run's trigger event. */
    event: z.string().min(1),
    repository: z.object({ owner: z.string().min(1), name: z.string().min(1) }),
    number: z.int().positive(),
    /** The GitHub login the asker's chat user is mapped to. */
    login: z.string().min(1),
    /** Who asked, in the chat's terms (slack:U2147483697), for the audit log. */
    requester: z.string().min(1),
    /** Where the answers go: an address the chat's replies understand (Slack's response_url). */
    replyTo: z.url(),
  }),
  /**
   * A task to implement, asked for over the API (`POST /api/v1/task/{id}/assign-to-agent`). The token's
   * `write` scope is the permission: no GitHub login stands behind it, so none is asked about. The
   * intake worker finds the installation, reads the issue (or the tracker's ticket) and starts the
   * default workflow exactly as its label (or its trigger status) would; the outcome is audited
   * (`api.answered`) for the waiting request to read.
   */
  z.object({
    kind: z.literal("api_assign"),
    task: z.discriminatedUnion("kind", [
      z.object({
        kind: z.literal("github_issue"),
        repository: z.object({ owner: z.string().min(1), name: z.string().min(1) }),
        number: z.int().positive(),
      }),
      /** A Jira or Linear key: read through the configured tracker, which maps it to its repository. */
      z.object({ kind: z.literal("tracker_ticket"), key: z.string().min(1) }),
    ]),
    /** The token's name, for the audit log and the run's actor (`api:<name>`). */
    requester: z.string().min(1),
  }),
  /**
   * A project to plan and file, asked for over the API (`POST /api/v1/project/create`). The token's
   * `write` scope is the permission, and the request is the approval: the intake worker opens the
   * project's issue in the repository (where the run reports and the plan is posted) and starts the
   * project-create workflow, which files the plan's epics and tasks right after planning them.
   */
  z.object({
    kind: z.literal("api_project"),
    project: z.object({
      description: z.string().min(1),
      requirements: z.array(z.string()),
      tech_stack: z.array(z.string()),
    }),
    repository: z.object({ owner: z.string().min(1), name: z.string().min(1) }),
    requester: z.string().min(1),
  }),
  /**
   * A tracker ticket moved to the trigger status (or assigned to the agent): the default workflow on the
   * repository the configuration maps its project to, exactly as a GitHub issue's label starts it. The
   * intake worker asks GitHub whether the mover's login may write (when users are mapped), reads the
   * ticket through the tracker's adapter as of the delivery (the snapshot) and starts the run.
   */
  z.object({
    kind: z.literal("tracker_implement"),
    source: z.enum(["jira", "linear"]),
    /** e.g. jira:issue_updated, linear:Issue.update: the run's trigger event. */
    event: z.string().min(1),
    ticket: ticketSchema,
    repository: z.object({ owner: z.string().min(1), name: z.string().min(1) }),
    mover: trackerPersonSchema,
    /** What made it a trigger, e.g. `status AI Assigned`: stored as the run's label. */
    reason: z.string().min(1),
  }),
  /** A command in a comment on a tracker ticket (`/status`, `/cancel`, `/revise …`), from a mapped person. */
  z.object({
    kind: z.literal("tracker_command"),
    source: z.enum(["jira", "linear"]),
    event: z.string().min(1),
    /** The key or id the comment's webhook names its ticket by; the intake reads the ticket's key. */
    ticket: z.object({ ref: z.string().min(1) }),
    command: z.object({ name: z.enum(slashCommands), argument: z.string(), rest: z.string() }),
    author: trackerPersonSchema.extend({ login: z.string().min(1) }),
  }),
]);

export type TriggerEvent = z.infer<typeof triggerEventSchema>;
