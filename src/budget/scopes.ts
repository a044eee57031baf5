/**
 * Budget scopes are plain strings so the intake layer only passes ids:
 *   run:<runId>                        one run of a workflow (raised by /approve-budget)
 *   task:<taskKey>                     every run for one task (issue or ticket), across retries
 *   repo:<owner/name>:<YYYY-MM>        a repository's calendar month (UTC)
 *   installation:<id>:<YYYY-MM>        the whole installation's calendar month (UTC)
 */
export type ScopeKind = "run" | "task" | "repo" | "installation";

export interface RunScopeIds {
  runId: string;
  taskKey: string;
  repository: string;
  installationId: string | number;
}

export interface RunScopes {
  run: string;
  task: string;
  repoMonth: string;
  installationMonth: string;
}

/** The UTC calendar month of an instant, e.g. "2026-11": budgets reset when it changes. */
export function monthOf(now: Date): string {
  return now.toISOString().slice(0, 7);
}

export function runScopes(ids: RunScopeIds, now: Date): RunScopes {
  const month = monthOf(now);
  return {
    run: `run:${ids.runId}`,
    task: `task:${ids.taskKey}`,
    repoMonth: `repo:${ids.repository}:${month}`,
    installationMonth: `installation:${ids.installationId}:${month}`,
  };
}

export function allScopes(scopes: RunScopes): string[] {
  return [scopes.run, scopes.task, scopes.repoMonth, scopes.installationMonth];
}

export function repoMonthScope(repository: string, now: Date): string {
  return `repo:${repository}:${monthOf(now)}`;
}

export function installationMonthScope(installationId: string | number, now: Date): string {
  return `installation:${installationId}:${monthOf(now)}`;
}

export function scopeKind(scope: string): ScopeKind {
  const kind = scope.slice(0, scope.indexOf(":"));
  if (kind === "run" || kind === "task" || kind === "repo" || kind === "installation") return kind;
  throw new Error(`not a budget scope: ${scope}`);
}
