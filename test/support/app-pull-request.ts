import { git, pushCommit } from "../../demo/stand-ins/git-repos.ts";
import { insertRun } from "../../src/engine/run-store.ts";
import type { TestApp } from "./app-harness.ts";

/**
 * A pull request the app opened from `branch` of issue #7, as its first run left it: the branch pushed
 * one commit above main in the bare repository, the fake GitHub has the pull request, and a finished run
 * recorded it. Returns the branch's commit.
 */
export async function seedAppPullRequest(
  app: TestApp,
  options: {
    bare: string;
    repository: string;
    branch: string;
    number: number;
    files: Record<string, string>;
  },
): Promise<string> {
  git(options.bare, ["branch", options.branch, "main"]);
  const commit = pushCommit(options.bare, options.branch, options.files, "The app's first commit");
  app.github.pulls.push({
    repository: options.repository,
    number: options.number,
    head: options.branch,
    base: "main",
    title: "Fix the greeting",
    body: "Closes #7",
    draft: false,
    state: "open",
    requestedReviewers: [],
  });
  const opener = await insertRun(app.database.db, {
    workflow: "implement-issue",
    inputs: {},
    context: {},
    now: new Date(),
  });
  await app.database.db
    .updateTable("runs")
    .set({
      status: "succeeded",
      repository: options.repository,
      target_kind: "issue",
      target_number: 7,
      pull_request_number: options.number,
    })
    .where("id", "=", opener)
    .execute();
  return commit;
}
