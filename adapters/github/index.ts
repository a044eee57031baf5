import type { Octokit } from "@octokit/rest";
import type { Task, TaskManagementAdapter } from "../../src/plugins/task-management.ts";
import type { VersionControlAdapter } from "../../src/plugins/version-control.ts";
import { type GithubConfig, githubConfigSchema } from "./config.ts";
import { githubTaskManagement } from "./task-management.ts";
import { githubVersionControl } from "./version-control.ts";

export { installationGitTokens } from "./git-tokens.ts";

export interface GithubAdapterOptions {
  /** The run's installation client. */
  octokit: Pick<Octokit, "request">;
  /** `plugins.<slot>.config` for the github provider, as loaded; the defaults when absent. */
  settings?: GithubConfig;
  /** The task as the run's trigger saw it: get_task answers with it for that key. */
  snapshot?: Task;
}

/** The GitHub adapters for one run, for the slots whose provider is github. */
export function githubAdapters(options: GithubAdapterOptions): {
  version_control: VersionControlAdapter;
  task_management: TaskManagementAdapter;
} {
  const settings = options.settings ?? githubConfigSchema.parse({});
  return {
    version_control: githubVersionControl({ octokit: options.octokit }),
    task_management: githubTaskManagement({
      octokit: options.octokit,
      statusLabels: settings.status_labels,
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    }),
  };
}
