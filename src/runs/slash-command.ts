/**
 * A slash command counts only as the first line of a new comment (`/plan add a cache`), so a command
 * quoted in a discussion, or added later by an edit, never triggers anything.
 */
export const slashCommands = ["plan", "revise", "cancel", "status", "budget", "approve-budget"] as const;
export type SlashCommandName = (typeof slashCommands)[number];

export interface SlashCommand {
  name: SlashCommandName;
  /** The rest of the first line, trimmed. */
  argument: string;
  /** The lines after the first: more instructions for /plan and /revise. */
  rest: string;
}

export function parseSlashCommand(body: string): SlashCommand | undefined {
  const [firstLine = "", ...rest] = body.replace(/\r\n?/g, "\n").split("\n");
  const match = /^\/([a-z-]+)(?:\s+(.*))?$/.exec(firstLine.trim());
  if (!match) return undefined;
  const name = slashCommands.find((c) => c === match[1]);
  if (!name) return undefined;
  return { name, argument: (match[2] ?? "").trim(), rest: rest.join("\n").trim() };
}
