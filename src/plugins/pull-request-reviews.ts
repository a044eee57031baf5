/**
 * What the revision agent needs of a code host's pull request reviews, in normalized types; the GitHub
 * adapter (adapters/github/pull-request-reviews.ts) implements it.
 */
export interface ReviewThreadComment {
  /** The REST id a reply is posted under (GraphQL's databaseId). */
  id: number;
  /** The author's login as GraphQL gives it: a GitHub App shows as its slug, without "[bot]". */
  author: string | null;
  body: string;
  createdAt: string;
  /** When the comment was last edited, or null when it never was. */
  lastEditedAt: string | null;
}

export interface ReviewThread {
  /** The thread's node id (resolveReviewThread takes it). */
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  path: string;
  line: number | null;
  startLine: number | null;
  /** Oldest first: the first comment opened the thread, the rest are replies. */
  comments: ReviewThreadComment[];
}

export interface PullRequestRef {
  repository: string;
  number: number;
}

export interface PullRequestReviews {
  /** Every review thread of the pull request, with its comments. */
  threads(pull: PullRequestRef, signal: AbortSignal): Promise<ReviewThread[]>;
  /**
   * A reply in the thread that the comment opened, carrying idempotencyMarker(idempotencyKey): the
   * caller skips a thread whose comments already hold that mark (an earlier attempt of its step).
   */
  reply(
    pull: PullRequestRef,
    commentId: number,
    body: string,
    idempotencyKey: string,
    signal: AbortSignal,
  ): Promise<void>;
  resolve(threadId: string, signal: AbortSignal): Promise<void>;
  /** One comment on the pull request's conversation, posted once per idempotency key. */
  comment(pull: PullRequestRef, body: string, idempotencyKey: string, signal: AbortSignal): Promise<void>;
  requestReview(pull: PullRequestRef, reviewers: readonly string[], signal: AbortSignal): Promise<void>;
}
