import path from "node:path";
import { type PluginCatalog, pluginCatalog } from "../plugins/catalog.ts";
import { formatSourceIssue, SourceValidationError } from "../validation/yaml-source.ts";
import { loadWorkflowList, workflowFilesIn } from "./load-workflows.ts";

export interface ValidateOptions {
  /** Where prompt_template files are; default prompts/ in the working directory. */
  promptsDir?: string;
  /** Where the default files are; default workflows/ in the working directory. */
  workflowsDir?: string;
  catalog?: PluginCatalog;
}

/**
 * `ai-dev workflows validate [file…]`: checks workflow files as the app would load them and says what is
 * wrong with each, all at once. The CLI prints `output` and exits non-zero unless `ok`.
 */
export function validateWorkflowFiles(
  files: string[],
  options: ValidateOptions = {},
): { ok: boolean; output: string } {
  const targets = files.length > 0 ? files : workflowFilesIn(options.workflowsDir ?? "workflows");
  if (targets.length === 0) return { ok: false, output: "no workflow files to validate" };
  const promptsDir = options.promptsDir ?? "prompts";
  const catalog = options.catalog ?? pluginCatalog;
  const lines: string[] = [];
  let ok = true;
  // One file at a time, so each file's verdict stands on its own line.
  for (const file of targets) {
    try {
      const registry = loadWorkflowList([file], { promptsDir, catalog });
      lines.push(`ok ${path.normalize(file)} (${registry.names().join(", ")})`);
      for (const warning of registry.warnings()) lines.push(`warning: ${formatSourceIssue(warning)}`);
    } catch (error) {
      if (!(error instanceof SourceValidationError)) throw error;
      ok = false;
      lines.push(...error.issues.map(formatSourceIssue));
    }
  }
  const failed = lines.filter((line) => !line.startsWith("ok ") && !line.startsWith("warning: ")).length;
  lines.push(ok ? `${targets.length} workflow file(s) valid` : `${failed} problem(s) found`);
  return { ok, output: lines.join("\n") };
}
