import { mappedLogin, type TrackerTriggers } from "../adapters/tracker-triggers.ts";
import type { SlashCommand } from "../src/runs/slash-command.ts";
import type { TriggerEvent } from "../src/runs/trigger-event.ts";

/** The commands a ticket's comments may give: the run's own; /plan and /budget stay on GitHub. */
const ticketCommands = new Set(["revise", "status", "cancel", "approve-budget"]);

/**
 * A comment on a ticket as a command, Jira's and Linear's alike: the first line is a command (parsed as
 * GitHub's comments are), and its author maps to a GitHub login. Without a user mapping, comments are
 * never commands: nobody could say who on GitHub is asking.
 */
export function trackerCommandOf(
  triggers: TrackerTriggers,
  comment: {
    source: "jira" | "linear";
    event: string;
    ticketRef: string;
    command: SlashCommand | undefined;
    author: { id: string | undefined; name: string | null };
  },
): Extract<TriggerEvent, { kind: "tracker_command" }> | { why: string } {
  const { command } = comment;
  if (!command || !ticketCommands.has(command.name)) return { why: "the comment is not a ticket command" };
  if (!triggers.users) return { why: "comments are commands only when users are mapped to GitHub logins" };
  const login = mappedLogin(triggers, comment.author.id);
  if (!login) return { why: "the comment's author is not mapped to a GitHub login" };
  return {
    kind: "tracker_command",
    source: comment.source,
    event: comment.event,
    ticket: { ref: comment.ticketRef },
    command,
    author: { id: comment.author.id ?? null, name: comment.author.name, login },
  };
}
