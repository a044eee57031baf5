import type { Octokit } from "@octokit/rest";
import { z } from "zod";

/** Roles that may start work: the ones that can push to the repository. Triage and read cannot. */
const rolesThatMayTrigger = new Set(["admin", "maintain", "write"]);

const permissionSchema = z.object({
  permission: z.string(),
  role_name: z.string().optional(),
  user: z
    .object({ login: z.string(), id: z.int().optional(), type: z.string().optional() })
    .nullable()
    .optional(),
});

export interface Actor {
  login: string;
  /** GitHub's sender.type: "User", "Bot", "Organization". */
  type: string;
}

export type AuthorizationDecision =
  /** userId: the person's GitHub id, as the permission answer gives it. */
  | { allowed: true; role: string; userId?: number }
  | { allowed: false; reason: "bot" | "insufficient_permission"; role: string | undefined };

/**
 * Whether an actor may start work on a repository, asked of GitHub at trigger time. Never inferred from
 * the payload's author_association, which says nothing about write access. Bots (including this app)
 * are refused before asking: an automated account must not be able to steer the app.
 */
export async function authorizeActor(
  octokit: Pick<Octokit, "request">,
  repository: { owner: string; name: string },
  actor: Actor,
): Promise<AuthorizationDecision> {
  if (actor.type === "Bot" || actor.login.endsWith("[bot]"))
    return { allowed: false, reason: "bot", role: undefined };
  let role: string;
  let userId: number | undefined;
  try {
    const response = await octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
      owner: repository.owner,
      repo: repository.name,
      username: actor.login,
    });
    const parsed = permissionSchema.parse(response.data);
    role = parsed.role_name ?? parsed.permission;
    userId = parsed.user?.id;
  } catch (error) {
    // 404: not a collaborator at all (an outsider on a public repository).
    if ((error as { status?: number }).status === 404) {
      return { allowed: false, reason: "insufficient_permission", role: "none" };
    }
    throw error;
  }
  return rolesThatMayTrigger.has(role)
    ? { allowed: true, role, ...(userId === undefined ? {} : { userId }) }
    : { allowed: false, reason: "insufficient_permission", role };
}
