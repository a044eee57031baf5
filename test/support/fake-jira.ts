import { readFileSync } from "node:fs";
import path from "node:path";
import nock from "nock";

const fixtures = path.join(import.meta.dirname, "..", "fixtures", "jira");
export const jiraFixture = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), "utf8"));

export interface PostedJiraComment {
  body: unknown;
  properties: { key: string; value: { key: string } }[];
}

/**
 * One Jira Cloud issue faked at the HTTP boundary (nock), for as long as the test runs: reading it
 * answers `issue`; its comments are kept as Jira keeps them, so a comment posted twice under one
 * idempotency key is found the second time ("Get comments" and "Add comment" shapes from the docs).
 */
export function fakeJiraIssue(site: string, issue: { key: string; fields: Record<string, unknown> }) {
  const listed = jiraFixture("comments.json") as { comments: Record<string, unknown>[] };
  const [example] = listed.comments;
  const posted: PostedJiraComment[] = [];
  nock(site).persist().get(`/rest/api/3/issue/${issue.key}`).query(true).reply(200, issue);
  nock(site)
    .persist()
    .get(`/rest/api/3/issue/${issue.key}/comment`)
    .query({ expand: "properties", orderBy: "-created", maxResults: "50" })
    .reply(200, () => ({
      ...listed,
      comments: posted.map((p, i) => ({ ...example, id: String(10_000 + i), properties: p.properties })),
      total: posted.length,
    }));
  nock(site)
    .persist()
    .post(`/rest/api/3/issue/${issue.key}/comment`, (body: PostedJiraComment) => {
      posted.push(body);
      return true;
    })
    .reply(201, jiraFixture("comment.json"));
  return { posted };
}
