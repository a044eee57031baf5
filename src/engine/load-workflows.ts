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
}

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
  };
  const issues: SourceIssue[] = [];
  const byName = new Map<string, LoadedWorkflow>();
  for (const file of files) {
    try {
      const workflow = loadWorkflowFile(file, check);
      const other = byName.get(workflow.definition.name);
      if (other) {
        issues.push({
          file,
          position: undefined,
          path: ["name"],
          message: `workflow "${workflow.definition.name}" is also defined in ${other.file}`,
        });
      }
      byName.set(workflow.definition.name, workflow);
    } catch (error) {
      if (!(error instanceof SourceValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new SourceValidationError(issues);
  return registryOf(liquid, byName);
}

function registryOf(liquid: Liquid, byName: ReadonlyMap<string, LoadedWorkflow>): WorkflowRegistry {
  return {
    liquid,
    get: (name) => byName.get(name),
    names: () => [...byName.keys()].sort(),
  };
}
