import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { RunTrigger } from "./run-request.ts";

// GitHub's repository answer, as far as a trigger needs it.
const repositorySchema = z.object({
  name: z.string().min(1),
  full_name: z.string().min(1),
  owner: z.object({ login: z.string().min(1) }),
  default_branch: z.string().min(1).optional(),
});

/**
 * The repository of a trigger that did not come with GitHub's webhook payload (a chat command, a ticket,
 * an API call), read from GitHub as the installation sees it: its canonical name and default branch.
 */
export async function readTriggerRepository(
  github: Pick<Octokit, "request">,
  owner: string,
  repo: string,
): Promise<RunTrigger["repository"]> {
  const repository = repositorySchema.parse(
    (await github.request("GET /repos/{owner}/{repo}", { owner, repo })).data,
  );
  return {
    owner: repository.owner.login,
    name: repository.name,
    fullName: repository.full_name,
    ...(repository.default_branch ? { defaultBranch: repository.default_branch } : {}),
  };
}
