/**
 * Where a run talks to the people who asked: the issue or PR thread (or, later, a tracker ticket).
 * The worker never names GitHub; the GitHub implementation lives beside the handlers' adapters.
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

/** A run and the thread it answers on: what per-run services are built from. */
export interface RunRef extends ThreadRef {
  runId: string;
  /** When the run was created: its month is the budget month it counts against. */
  createdAt: Date;
}
