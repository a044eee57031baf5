/**
 * A task as other tools name it: a GitHub issue (`owner/repo#12`) or a tracker's key (`PROJ-123` in
 * Jira, `ENG-42` in Linear). Each kind is started by its own intake; a new tracker adds a kind here and
 * a case where the kinds are switched on (src/ops/api/task-routes.ts).
 */
export type TaskRef =
  | { kind: "github_issue"; owner: string; name: string; number: number }
  | { kind: "tracker_key"; key: string };

/** GitHub's rules for an owner and a repository name; the issue number as GitHub counts. */
const githubIssue = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})#([1-9]\d{0,9})$/;
/** Jira's and Linear's keys: a project's letters (and digits), a dash, the number. */
const trackerKey = /^[A-Z][A-Z0-9_]{0,19}-[1-9]\d{0,9}$/;

export function parseTaskRef(text: string): TaskRef | undefined {
  const issue = githubIssue.exec(text);
  if (issue)
    return { kind: "github_issue", owner: issue[1] ?? "", name: issue[2] ?? "", number: Number(issue[3]) };
  if (trackerKey.test(text)) return { kind: "tracker_key", key: text };
  return undefined;
}
