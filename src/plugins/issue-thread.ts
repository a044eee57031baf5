/**
 * Where a run talks to the people who asked: the issue or PR thread (or, later, a tracker ticket).
 * The worker never names GitHub; adapters/github implements it.
 */
export interface IssueThread {
  /** Posts a comment and returns its id. */
  comment(body: string): Promise<number>;
  /**
   * Replaces a comment's text. A run's progress comment says which state of the run the text shows, for
   * threads that cannot edit in place and speak only at some states (a tracker ticket's).
   */
  editComment(commentId: number, body: string, shows?: { runStatus: string }): Promise<void>;
}

export interface ThreadRef {
  installationId: number;
  repository: string;
  number: number;
}
