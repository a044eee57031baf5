import { z } from "zod";
import { runTriggerSchema } from "./run-request.ts";
import { slashCommands } from "./slash-command.ts";

/**
 * What a webhook asked for, before anyone checked who asked. The webhook commits it with its delivery
 * and answers at once; the intake worker then authorizes the person (asking GitHub), reads the
 * repository's settings and starts the run or answers the command. Nothing here is trusted yet.
 */
const base = { trigger: runTriggerSchema, senderType: z.string() };

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
   * intake worker finds the installation, reads the issue and starts the default workflow exactly as
   * its label would; the outcome is audited (`api.answered`) for the waiting request to read.
   */
  z.object({
    kind: z.literal("api_assign"),
    task: z.object({
      kind: z.literal("github_issue"),
      repository: z.object({ owner: z.string().min(1), name: z.string().min(1) }),
      number: z.int().positive(),
    }),
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
]);

export type TriggerEvent = z.infer<typeof triggerEventSchema>;
