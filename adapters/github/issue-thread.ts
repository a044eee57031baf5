import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import type { IssueThread, ThreadRef } from "../../src/plugins/issue-thread.ts";

const createdComment = z.object({ id: z.number().int() });

/** An issue or PR conversation on GitHub, through an installation's Octokit. */
export function githubIssueThread(octokit: Pick<Octokit, "request">, ref: ThreadRef): IssueThread {
  const [owner = "", repo = ""] = ref.repository.split("/");
  return {
    async comment(body) {
      const response = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner,
        repo,
        issue_number: ref.number,
        body,
      });
      return createdComment.parse(response.data).id;
    },
    async editComment(commentId, body) {
      await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        owner,
        repo,
        comment_id: commentId,
        body,
      });
    },
  };
}
