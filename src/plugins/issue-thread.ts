/**
 * Where a run talks to the people who asked: the issue or PR thread (or, later, a tracker ticket).
 * The worker never names GitHub; adapters/github implements it.
 */
export interface IssueThread {
  /** Posts a comment and returns its id. */
  comment(body: string): Promise<number>;
  /** Replaces a comment's text. */
  editComment(commentId: number, body: string): Promise<void>;
}

export interface ThreadRef {
  installationId: number;
  repository: string;
  number: number;
}
