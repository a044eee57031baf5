import type { z } from "zod";
import { isAppPullRequest } from "../../src/runs/run-queries.ts";
import { acceptTrigger } from "./accept.ts";
import type { GithubHandlerDeps } from "./deps.ts";
import type { EventRegistrar } from "./event-routes.ts";
import { parsedPayload, reviewCommentCreatedSchema, reviewSubmittedSchema } from "./payload-schemas.ts";
import { recordOnly } from "./record-only.ts";
import { type DeliveryContext, githubTrigger } from "./trigger.ts";

type ReviewTriggerPayload = z.infer<typeof reviewSubmittedSchema | typeof reviewCommentCreatedSchema>;

/**
 * A review that requests changes, or a review comment, on a pull request this app opened asks for the
 * `revise` workflow. The comments of one review share its id, so they and the review make one run; the
 * intake worker reads the whole review from GitHub, so the text delivered here is only the fallback.
 */
export function registerPullRequestReviewHandlers(app: EventRegistrar, deps: GithubHandlerDeps): void {
  app.on("pull_request_review.submitted", async (context) => {
    const payload = parsedPayload(reviewSubmittedSchema, context);
    const { review } = payload;
    if (review.state.toLowerCase() !== "changes_requested") return recordOnly(context, deps);
    await acceptRevision(context, deps, payload, review.body ?? "", review.id);
  });

  app.on("pull_request_review_comment.created", async (context) => {
    const payload = parsedPayload(reviewCommentCreatedSchema, context);
    const { comment } = payload;
    const instructions = `On \`${comment.path}\`${comment.line ? ` line ${comment.line}` : ""}:\n${comment.body}`;
    await acceptRevision(context, deps, payload, instructions, comment.pull_request_review_id ?? undefined);
  });
}

async function acceptRevision(
  context: DeliveryContext,
  deps: GithubHandlerDeps,
  payload: ReviewTriggerPayload,
  instructions: string,
  reviewId: number | undefined,
): Promise<void> {
  const trigger = githubTrigger(context, payload, { kind: "pull_request", fields: payload.pull_request });
  const target = { repository: payload.repository.full_name, number: payload.pull_request.number };
  if (!trigger || !(await isAppPullRequest(deps.db, target))) return recordOnly(context, deps);
  await acceptTrigger(context, deps, {
    kind: "review",
    instructions,
    branch: payload.pull_request.head.ref,
    trigger,
    senderType: payload.sender.type,
    ...(reviewId ? { reviewId } : {}),
  });
}
