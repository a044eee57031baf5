/**
 * The branch a task's work goes on: `ai/<issue>-<slug>`. The title is untrusted, so only a safe alphabet
 * survives: git's ref rules (no `..`, no `@{`, no control characters, no leading `-`) and shells that
 * might see the name can never be surprised by it.
 */
export function branchNameFor(task: { key: string; title: string }): string {
  const number = /#(\d+)$/.exec(task.key)?.[1] ?? task.key.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
  const slug = task.title
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return isSafeBranchName(`ai/${number}-${slug || "change"}`)
    ? `ai/${number}-${slug || "change"}`
    : `ai/${number}`;
}

/** A branch name the app itself may create and push to: under `ai/`, in a plain alphabet. */
export function isSafeBranchName(name: string): boolean {
  return /^ai\/[a-z0-9][a-z0-9-]*(?:\/[a-z0-9-]+)*$/.test(name) && name.length <= 100 && !name.includes("..");
}
