import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { idempotencyMarker } from "../../src/plugins/idempotency-marker.ts";
import { type GithubCallOptions, githubCall } from "./github-call.ts";

const commentSchema = z.object({ id: z.int(), html_url: z.string(), body: z.string().nullable().optional() });
const pageSize = 100;
const maxPages = 10;

/**
 * Posts a comment once per idempotency key: the key rides in an HTML comment (invisible on GitHub), and a
 * step retried after its comment was posted, but before the engine recorded that, finds it instead of
 * posting it again.
 */
export async function commentOnce(
  octokit: Pick<Octokit, "request">,
  target: { owner: string; repo: string; number: number; what: string },
  body: string,
  idempotencyKey: string,
  options: GithubCallOptions,
): Promise<{ id: number; html_url: string }> {
  const marker = idempotencyMarker(idempotencyKey);
  const { owner, repo, number } = target;
  for (let page = 1; page <= maxPages; page++) {
    const response = await githubCall(
      `read the comments of ${target.what}`,
      () =>
        octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          owner,
          repo,
          issue_number: number,
          per_page: pageSize,
          page,
          ...(options.signal ? { request: { signal: options.signal } } : {}),
        }),
      options,
    );
    const comments = z.array(commentSchema).parse(response.data);
    const posted = comments.find((c) => c.body?.includes(marker));
    if (posted) return posted;
    if (comments.length < pageSize) break;
  }
  const response = await githubCall(
    `comment on ${target.what}`,
    () =>
      octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner,
        repo,
        issue_number: number,
        body: `${body}\n\n${marker}`,
        ...(options.signal ? { request: { signal: options.signal } } : {}),
      }),
    options,
  );
  return commentSchema.parse(response.data);
}
