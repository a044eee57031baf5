import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { RunTrigger } from "./run-request.ts";

// GitHub's pull-request-review (GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}), as
// far as read here.
const reviewSchema = z.object({
  id: z.number(),
  body: z.string().nullish(),
  state: z.string(),
  user: z.object({ login: z.string() }).nullable(),
});

/**
 * What a review asks beside its inline comments: its body, read from GitHub rather than from whichever
 * delivery arrived first (a review's comments come as separate deliveries, in any order, sometimes
 * before the review's own). The inline comments are not copied here: the revision agent reads them as
 * review threads when it runs, where it can tell which are resolved, outdated or meant for a colleague.
 * Undefined when GitHub no longer has the review (deleted since).
 */
export async function readReviewInstructions(
  github: Pick<Octokit, "request">,
  trigger: RunTrigger,
  reviewId: number,
): Promise<string | undefined> {
  try {
    const response = await github.request(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}",
      {
        owner: trigger.repository.owner,
        repo: trigger.repository.name,
        pull_number: trigger.target.number,
        review_id: reviewId,
      },
    );
    return reviewSchema.parse(response.data).body?.trim() ?? "";
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}
