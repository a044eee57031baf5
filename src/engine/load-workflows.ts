import { readdirSync } from "node:fs";
import path from "node:path";
import type { Liquid } from "liquidjs";
import type { PluginCatalog } from "../plugins/catalog.ts";
import { type SourceIssue, SourceValidationError } from "../validation/yaml-source.ts";
import type { CheckOptions } from "./check-workflow.ts";
import { loadWorkflowFile } from "./load-workflow.ts";
import type { LoadedWorkflow, WorkflowRegistry } from "./loaded-workflow.ts";
import type { PromptTemplate } from "./template.ts";
import { createLiquid } from "./template.ts";

export interface LoadWorkflowsOptions {
  dir: string;
  promptsDir: string;
  catalog: PluginCatalog;
  /** Today, for model end-of-life dates; the real clock when absent. */
  clock?: () => Date;
}

/**
 * The file names the plan this product is built on gives the shipped workflows. A workflow of that
 * id, when one exists, wins; otherwise the name resolves to the shipped workflow.
 */
export const planWorkflowNames: Readonly<Record<string, string>> = {
  standard_dev_workflow: "implement-issue",
  hotfix_workflow: "hotfix",
  documentation_only_workflow: "documentation-only",
};

/** The workflow files of a directory: every *.yml and *.yaml, in name order. */
export function workflowFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Loads every workflow of a directory. One invalid file makes the whole load fail, listing every problem
 * in every file: the app must not start with a workflow that would fail half-way through a run.
 */
export function loadWorkflows(options: LoadWorkflowsOptions): WorkflowRegistry {
  return loadWorkflowList(workflowFilesIn(options.dir), options);
}

export function loadWorkflowList(
  files: readonly string[],
  options: Omit<LoadWorkflowsOptions, "dir">,
): WorkflowRegistry {
  const liquid = createLiquid(options.promptsDir);
  const check: CheckOptions = {
    liquid,
    catalog: options.catalog,
    promptsDir: options.promptsDir,
    promptCache: new Map<string, PromptTemplate | Error>(),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const issues: SourceIssue[] = [];
  const byId = new Map<string, LoadedWorkflow>();
  for (const file of files) {
    try {
      const workflow = loadWorkflowFile(file, check);
      const other = byId.get(workflow.id);
      if (other) {
        issues.push({
          file,
          position: undefined,
          path: [],
          message: `workflow "${workflow.id}" is also defined in ${other.file}: a workflow's id is its file name`,
        });
      }
      byId.set(workflow.id, workflow);
    } catch (error) {
      if (!(error instanceof SourceValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new SourceValidationError(issues);
  return registryOf(liquid, byId);
}

function registryOf(liquid: Liquid, byId: ReadonlyMap<string, LoadedWorkflow>): WorkflowRegistry {
  return {
    liquid,
    get: (name) =>
      byId.get(name) ??
      (Object.hasOwn(planWorkflowNames, name) ? byId.get(planWorkflowNames[name] as string) : undefined),
    names: () => [...byId.keys()].sort(),
    warnings: () => [...byId.values()].flatMap((w) => w.warnings),
  };
}
