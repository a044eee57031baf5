import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { RunTrigger } from "./run-request.ts";

// GitHub's pull-request-review and review-comment (GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/
// {review_id} and …/comments), as far as read here.
const reviewSchema = z.object({
  id: z.number(),
  body: z.string().nullish(),
  state: z.string(),
  user: z.object({ login: z.string() }).nullable(),
});

const reviewCommentSchema = z.object({
  id: z.number(),
  path: z.string(),
  body: z.string(),
  line: z.number().nullish(),
  original_line: z.number().nullish(),
  start_line: z.number().nullish(),
  original_start_line: z.number().nullish(),
  subject_type: z.enum(["line", "file"]).nullish(),
});

type ReviewComment = z.infer<typeof reviewCommentSchema>;

const perPage = 100;
const maxPages = 10;

/**
 * The whole review as one set of instructions: its body and every inline comment with its file and
 * line, read from GitHub rather than from whichever delivery arrived first. A review's comments come as
 * separate deliveries, in any order, sometimes before the review's own; whichever comes first, the run
 * it makes holds all of them. Undefined when GitHub no longer has the review (deleted since).
 */
export async function readReviewInstructions(
  github: Pick<Octokit, "request">,
  trigger: RunTrigger,
  reviewId: number,
): Promise<string | undefined> {
  const where = {
    owner: trigger.repository.owner,
    repo: trigger.repository.name,
    pull_number: trigger.target.number,
    review_id: reviewId,
  };
  let review: z.infer<typeof reviewSchema>;
  try {
    const response = await github.request(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}",
      where,
    );
    review = reviewSchema.parse(response.data);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
  const comments: ReviewComment[] = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const response = await github.request(
      "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
      { ...where, per_page: perPage, page },
    );
    const listed = z.array(reviewCommentSchema).parse(response.data);
    comments.push(...listed);
    if (listed.length < perPage) break;
  }
  return reviewText(review, comments);
}

function reviewText(review: z.infer<typeof reviewSchema>, comments: readonly ReviewComment[]): string {
  const parts: string[] = [];
  const body = review.body?.trim() ?? "";
  if (body) parts.push(body);
  for (const comment of comments) parts.push(`On ${placeOf(comment)}:\n${comment.body}`);
  return parts.join("\n\n");
}

/** `src/a.ts` line 12, lines 10–12, or the whole file; an outdated comment keeps its original line. */
function placeOf(comment: ReviewComment): string {
  const file = `\`${comment.path}\``;
  if (comment.subject_type === "file") return `${file} (the whole file)`;
  const line = comment.line ?? comment.original_line;
  const start = comment.start_line ?? comment.original_start_line;
  if (!line) return file;
  return start && start !== line ? `${file} lines ${start}–${line}` : `${file} line ${line}`;
}
