import { z } from "zod";

/** Slack only ever answers a command at its own hooks host; any other address is not Slack's. */
const responseUrl = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" && url.hostname === "hooks.slack.com";
}, "response_url is not an https://hooks.slack.com/ address");

/**
 * The fields of a slash command's form body that the app reads
 * (https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling).
 */
export const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string(),
  team_id: z.string().min(1),
  user_id: z.string().min(1),
  response_url: responseUrl,
  trigger_id: z.string().min(1),
});
export type SlashCommandPayload = z.infer<typeof slashCommandSchema>;

/** What the text after the command asks for. */
export type CommandRequest =
  | { kind: "status" }
  | { kind: "implement"; owner: string; name: string; number: number }
  | { kind: "help"; problem?: string };

/** GitHub's rules for an owner and a repository name; the issue number as GitHub counts. */
const implementPattern =
  /^implement\s+([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})#([1-9]\d{0,9})$/;

export function parseCommandText(text: string): CommandRequest {
  const words = text.trim().replace(/\s+/g, " ");
  if (words === "" || words === "help") return { kind: "help" };
  if (words === "status") return { kind: "status" };
  const match = implementPattern.exec(words);
  if (match)
    return { kind: "implement", owner: match[1] ?? "", name: match[2] ?? "", number: Number(match[3]) };
  if (words.startsWith("implement"))
    return { kind: "help", problem: "implement takes one issue as owner/repo#number" };
  return { kind: "help", problem: `"${words.slice(0, 40)}" is not a command` };
}
