import type { Logger } from "../logging/logger.ts";
import type { IssueThread, ThreadRef } from "../plugins/issue-thread.ts";

/**
 * DRY_RUN=true: the app says what it would post instead of posting it, so an operator can watch it
 * decide on real events before it writes anywhere.
 */
export function dryRunThread(log: Logger, ref: ThreadRef): IssueThread {
  let nextId = 1;
  return {
    async comment(body) {
      const commentId = nextId++;
      log.info({ dryRun: true, ...ref, commentId, body }, "would comment");
      return commentId;
    },
    async editComment(commentId, body) {
      log.info({ dryRun: true, ...ref, commentId, body }, "would edit comment");
    },
  };
}
