import { z } from "zod";

/** GitHub's rules for a login: letters, digits and single hyphens, at most 39 characters. */
const githubLogin = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "a GitHub login such as octocat");
const repositoryName = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "owner/name of a GitHub repository");

/**
 * A tracker as a source of work (Jira's and Linear's `triggers`): which projects (teams, for Linear)
 * start runs in which repository, which other repositories a ticket may name, and, optionally, who the
 * tracker's people are on GitHub. With users mapped, the person who moved the ticket must map to a
 * login with write access on the repository; without, anyone who can move a ticket can start work.
 */
export const trackerTriggersSchema = (tracker: "Jira" | "Linear", projectWord: string) =>
  z.strictObject({
    enabled: z.boolean().default(true),
    repositories: z
      .record(z.string().min(1), repositoryName)
      .refine((map) => Object.keys(map).length > 0, { message: `map at least one ${projectWord} key` })
      .describe(
        `${tracker} ${projectWord} key → owner/name: the repository its tickets change. Tickets of other ${projectWord}s start nothing.`,
      ),
    allowed_repositories: z
      .array(repositoryName)
      .default([])
      .describe(
        "Other repositories a ticket may name instead (its repository field, or a line repo=owner/name in its description).",
      ),
    users: z
      .record(z.string().min(1), githubLogin)
      .optional()
      .describe(
        `${tracker} user id → GitHub login. Set: only mapped people with write access on the repository start work or give commands. Unset: anyone who can move a ticket can.`,
      ),
  });
export type TrackerTriggers = z.infer<ReturnType<typeof trackerTriggersSchema>>;

const repoLine = /^\s*repo\s*=\s*([A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100})\s*$/im;

/**
 * The repository a ticket's work goes to: the one it names (a field, or a `repo=owner/name` line) when
 * that one is allowed, else its project's. Undefined for a project nobody mapped, or a ticket naming a
 * repository that is not allowed: the ticket's text is untrusted and never widens the configuration.
 */
export function ticketRepository(
  triggers: TrackerTriggers,
  ticket: { project: string; named?: string | null | undefined; description: string },
): { repository: string } | { refused: string } {
  const mapped = Object.hasOwn(triggers.repositories, ticket.project)
    ? triggers.repositories[ticket.project]
    : undefined;
  if (!mapped) return { refused: `the project ${ticket.project} is not mapped to a repository` };
  const named = repositoryNamed(ticket.named) ?? repoLine.exec(ticket.description)?.[1];
  if (!named) return { repository: mapped };
  const allowed = new Set([...Object.values(triggers.repositories), ...triggers.allowed_repositories]);
  const match = [...allowed].find((r) => r.toLowerCase() === named.toLowerCase());
  return match ? { repository: match } : { refused: `the ticket names ${named}, which is not allowed` };
}

/** A field's owner/name, or the owner/name of a github.com URL in it. */
function repositoryNamed(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const url = /github\.com\/([^/\s]+\/[^/\s#?]+?)(?:\.git)?(?:[/#?]|$)/i.exec(text);
  const candidate = url?.[1] ?? text;
  return repositoryName.safeParse(candidate).success ? candidate : undefined;
}

/** The GitHub login a tracker user maps to; null when no mapping is configured (anyone may). */
export function mappedLogin(
  triggers: TrackerTriggers,
  userId: string | undefined,
): string | null | undefined {
  if (!triggers.users) return null;
  if (!userId || !Object.hasOwn(triggers.users, userId)) return undefined;
  return triggers.users[userId];
}
