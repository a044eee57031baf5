import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import type { Liquid } from "liquidjs";
import { z } from "zod";
import { type DeprecationTable, modelVerdict, sdkDeprecationTable } from "../ai/model-deprecations.ts";
import { describeActions, findAction, type PluginCatalog, pluginCatalog } from "../plugins/catalog.ts";
import type { SourceIssue, YamlSource } from "../validation/yaml-source.ts";
import { stepKey } from "./loaded-workflow.ts";
import {
  conditionVariables,
  expressionVariables,
  findExpressions,
  hasExpressions,
  type OutputBinding,
  outputBindings,
} from "./references.ts";
import { type PromptTemplate, parsePromptTemplate } from "./template.ts";
import { type AnyStepDefinition, type StepDefinition, stepKindOf } from "./workflow-schema.ts";

export interface CheckOptions {
  liquid: Liquid;
  catalog: PluginCatalog;
  promptsDir: string;
  /** Prompt files parsed so far by their real path, shared by the workflows of one directory. */
  promptCache: Map<string, PromptTemplate | Error>;
  /** Today, for the end of life of a step's model; the real clock when absent. */
  clock?: () => Date;
  /** The model deprecation list; the installed SDK's when absent. */
  deprecations?: DeprecationTable;
}

export interface CheckResult {
  issues: SourceIssue[];
  /** What does not stop the workflow from loading but should be said at start (a deprecated model). */
  warnings: SourceIssue[];
  prompts: Map<string, PromptTemplate>;
  outputSchemas: Map<string, z.ZodType>;
}

/**
 * A step the schema refused, kept so the checks of the other steps still run and do not report a
 * reference to it as unknown: its name and the variables it appears to define.
 */
export interface UnparsedStep {
  unparsed: true;
  name: string | undefined;
  variables: string[];
}

/** What the whole-workflow checks read: a parsed workflow, or as much of one as the schema accepted. */
export interface CheckableWorkflow {
  inputs: Readonly<Record<string, unknown>>;
  steps: readonly (StepDefinition | UnparsedStep)[];
}

function isUnparsed(step: StepDefinition | UnparsedStep): step is UnparsedStep {
  return "unparsed" in step;
}

/** Names a workflow cannot give its inputs or variables: expressions use them for other things. */
export const reservedNames = new Set(["steps", "context", "run", "plugins", "result"]);
// run.error: the failure a rollback step reports (empty outside a rollback); run.cost_usd: spent so far.
const runFields = ["id", "workflow", "error", "cost_usd"];
const slots = ["task_management", "version_control", "documentation", "communication"];

type Path = (string | number)[];

/** What a step may read: the variables defined before it and the steps that ran before it. */
interface StepScope {
  variables: ReadonlySet<string>;
  /** Step name → its 0-based position among the main steps. */
  stepIndex: ReadonlyMap<string, number>;
  /** Steps at positions up to this one (exclusive for main steps, inclusive for a rollback) are readable. */
  readableUpTo: number;
  /** The main step being checked (for a rollback step, its parent). */
  current: string;
  isRollback: boolean;
}

/**
 * The checks that need the whole workflow: the plugin catalog, prompt files, and every `${…}` reference
 * against the variables and steps that exist at that point. Returns every issue, never only the first.
 */
export function checkWorkflow(
  workflow: CheckableWorkflow,
  source: YamlSource,
  options: CheckOptions,
): CheckResult {
  const issues: SourceIssue[] = [];
  const warnings: SourceIssue[] = [];
  const now = (options.clock ?? (() => new Date()))();
  const deprecations = options.deprecations ?? sdkDeprecationTable();
  const workflowDir = path.dirname(path.resolve(source.file));
  const prompts = new Map<string, PromptTemplate>();
  const outputSchemas = new Map<string, z.ZodType>();
  const at = (p: Path, message: string) => issues.push(source.issue(p, message));

  for (const name of Object.keys(workflow.inputs)) {
    if (reservedNames.has(name))
      at(["inputs", name], `"${name}" is reserved for expressions; choose another name`);
  }

  const stepIndex = new Map<string, number>();
  for (const [index, step] of workflow.steps.entries()) {
    if (step.name === undefined) continue;
    const first = stepIndex.get(step.name);
    if (first === undefined) stepIndex.set(step.name, index);
    else
      at(["steps", index, "name"], `duplicate step name "${step.name}": step ${first + 1} has the same name`);
  }

  const variables = new Set(Object.keys(workflow.inputs));
  for (const [index, step] of workflow.steps.entries()) {
    if (isUnparsed(step)) {
      for (const name of step.variables) variables.add(name);
      continue;
    }
    const base: Path = ["steps", index];
    const scope = { stepIndex, readableUpTo: index, current: step.name, isRollback: false };
    checkStep(step, base, { ...scope, variables: new Set(variables) }, undefined);
    for (const binding of stepOutputBindings(step, options.catalog)) {
      if (binding.form === "invalid") continue; // reported by checkStep
      if (reservedNames.has(binding.variable))
        at(
          [...base, "outputs", binding.key],
          `"${binding.variable}" is reserved; choose another variable name`,
        );
      variables.add(binding.variable);
    }
    if (stepKindOf(step) === "set") for (const name of Object.keys(step.inputs)) variables.add(name);
    const rollbackNames = new Set<string>();
    for (const [j, rollbackStep] of (step.rollback ?? []).entries()) {
      const path: Path = [...base, "rollback", j];
      if (rollbackNames.has(rollbackStep.name)) {
        at([...path, "name"], `duplicate rollback step name "${rollbackStep.name}" in step "${step.name}"`);
      }
      rollbackNames.add(rollbackStep.name);
      checkStep(
        rollbackStep,
        path,
        { ...scope, readableUpTo: index + 1, isRollback: true, variables },
        step.name,
      );
    }
  }
  // In file order, as a reader fixes them top to bottom.
  issues.sort(
    (a, b) =>
      (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0),
  );
  return { issues, warnings, prompts, outputSchemas };

  function checkStep(
    step: AnyStepDefinition,
    base: Path,
    scope: StepScope,
    parent: string | undefined,
  ): void {
    const kind = stepKindOf(step);
    if (kind === "plugin" && step.plugin && step.action)
      checkPluginStep(step.plugin, step.action, step, base);
    if (kind === "ai_action" && step.prompt_template) checkAiStep(step, base, stepKey(step.name, parent));
    if (kind === "set") {
      if (Object.keys(step.inputs).length === 0)
        at([...base, "inputs"], "a set step needs inputs: the variables it sets");
      for (const name of Object.keys(step.inputs)) {
        if (!/^[a-z][a-z0-9_]*$/.test(name))
          at([...base, "inputs", name], "a variable name must be lower_snake_case");
      }
    }
    if (kind === "fail" && typeof step.inputs.message !== "string") {
      at([...base, "inputs"], "a fail step needs inputs.message: the error the run stops with");
    }
    for (const found of findExpressions(step.inputs)) {
      checkExpression(found.expression, [...base, "inputs", ...found.path], scope, false);
    }
    for (const binding of stepOutputBindings(step, options.catalog)) {
      const p = [...base, "outputs", binding.key];
      if (binding.form === "invalid") {
        at(
          p,
          `expected a variable name to store the result's "${binding.key}" in (${binding.key}: ${binding.key}_value), or a reference to the result ("\${result.${binding.key}}")`,
        );
      } else if (binding.form === "field") {
        const keys = outputKeysOf(step);
        if (keys && binding.expression !== "${result}" && !keys.includes(binding.key)) {
          at(
            p,
            `the result of step "${step.name}" has no field "${binding.key}"; it has: ${keys.join(", ")}`,
          );
        }
      } else {
        for (const f of findExpressions(binding.expression)) checkExpression(f.expression, p, scope, true);
      }
    }
    if (step.if !== undefined) {
      try {
        for (const segments of conditionVariables(options.liquid, step.if)) {
          checkSegments(segments, [...base, "if"], scope, false, step.if);
        }
      } catch (error) {
        at([...base, "if"], `invalid condition "${step.if}": ${messageOf(error)}`);
      }
    }
  }

  function checkPluginStep(slot: string, action: string, step: AnyStepDefinition, base: Path): void {
    const spec = findAction(options.catalog, slot, action);
    if (!spec) {
      const known = describeActions(options.catalog, slot);
      at([...base, "action"], `unknown action "${action}" for plugin ${slot}; expected one of: ${known}`);
      return;
    }
    const shape = spec.input.shape as Record<string, z.ZodType>;
    let fieldsOk = true;
    for (const [key, value] of Object.entries(step.inputs)) {
      const field = shape[key];
      if (!field) {
        fieldsOk = false;
        at(
          [...base, "inputs", key],
          `unknown input "${key}" for ${slot}.${action}; expected: ${Object.keys(shape).join(", ")}`,
        );
        continue;
      }
      // A value with references is known only at run time; the full input schema checks it then.
      if (hasExpressions(value)) continue;
      const result = field.safeParse(value);
      if (!result.success) {
        fieldsOk = false;
        at([...base, "inputs", key], result.error.issues.map((i) => i.message).join("; "));
      }
    }
    for (const [key, field] of Object.entries(shape)) {
      if (!(key in step.inputs) && !field.safeParse(undefined).success) {
        at([...base, "inputs"], `${slot}.${action} needs input "${key}"`);
        fieldsOk = false;
      }
    }
    // Rules across fields (a subtask needs its parent) hold once every field does, when nothing waits for run time.
    if (fieldsOk && !hasExpressions(step.inputs)) {
      const whole = spec.input.safeParse(step.inputs);
      if (!whole.success) {
        for (const i of whole.error.issues) at([...base, "inputs", ...i.path.map(String)], i.message);
      }
    }
  }

  function checkAiStep(step: AnyStepDefinition, base: Path, key: string): void {
    for (const field of ["model", "fallback_model"] as const) {
      const model = step[field];
      if (model === undefined) continue;
      const verdict = modelVerdict(model, `step "${step.name}" ${field}`, now, deprecations);
      if (verdict.status === "retired")
        at([...base, field], `${verdict.message} (set ${field} in this step)`);
      if (verdict.status === "deprecated") warnings.push(source.issue([...base, field], verdict.message));
    }
    const name = step.prompt_template as string;
    const prompt = loadPrompt(name);
    if (prompt instanceof Error) {
      at([...base, "prompt_template"], prompt.message);
    } else {
      prompts.set(name, prompt);
      for (const variable of prompt.variables) {
        if (!(variable in step.inputs)) {
          at(
            [...base, "inputs"],
            `prompt ${name} uses the variable "${variable}", which this step's inputs do not give`,
          );
        }
      }
    }
    if (step.output_schema) {
      try {
        outputSchemas.set(
          key,
          z.fromJSONSchema(step.output_schema as Parameters<typeof z.fromJSONSchema>[0]),
        );
      } catch (error) {
        at([...base, "output_schema"], `not a usable JSON Schema: ${messageOf(error)}`);
      }
    }
  }

  /**
   * A prompt_template is a name in the prompts directory or a path relative to the workflow file: a
   * path written ./ or ../ is looked for beside the workflow first, a bare name in the prompts directory
   * first, then the other place. Wherever it is found, it must stay inside that directory (symlinks
   * included), so a workflow cannot read any file of the machine into a prompt.
   */
  function loadPrompt(name: string): PromptTemplate | Error {
    if (path.isAbsolute(name)) {
      return new Error(
        `prompt_template must be relative to the workflow file or ${options.promptsDir}, not absolute`,
      );
    }
    const promptsRoot = path.resolve(options.promptsDir);
    const roots = /^\.\.?[\\/]/.test(name) ? [workflowDir, promptsRoot] : [promptsRoot, workflowDir];
    let escaped: string | undefined;
    for (const root of roots) {
      const file = path.resolve(root, name);
      if (!isInside(root, file)) {
        escaped ??= root;
        continue;
      }
      if (!existsSync(file)) continue;
      const real = realpathSync(file);
      if (!isInside(realpathSync(root), real)) {
        escaped ??= root;
        continue;
      }
      return parsedPrompt(name, real);
    }
    if (escaped && roots.every((root) => !isInside(root, path.resolve(root, name)))) {
      return new Error(
        `prompt_template ${name} leaves the workflow's directory and ${options.promptsDir}; keep prompt files in one of them`,
      );
    }
    if (escaped) return new Error(`prompt_template ${name} is a link that leads out of ${escaped}`);
    const places = roots.map((root) =>
      root === workflowDir ? `${root} (the workflow's directory)` : options.promptsDir,
    );
    return new Error(`no prompt file ${name} in ${places.join(" or ")}`);
  }

  function parsedPrompt(name: string, file: string): PromptTemplate | Error {
    const cached = options.promptCache.get(file);
    if (cached) return cached;
    let result: PromptTemplate | Error;
    try {
      result = parsePromptTemplate(options.liquid, readFileSync(file, "utf8"), name);
    } catch (error) {
      result = new Error(`prompt ${name}: ${messageOf(error)}`);
    }
    options.promptCache.set(file, result);
    return result;
  }

  function checkExpression(expression: string, p: Path, scope: StepScope, inOutputs: boolean): void {
    let all: (string | number)[][];
    try {
      all = expressionVariables(options.liquid, expression);
    } catch (error) {
      at(p, `invalid expression \${${expression}}: ${messageOf(error)}`);
      return;
    }
    for (const segments of all) checkSegments(segments, p, scope, inOutputs, expression);
  }

  function checkSegments(
    segments: (string | number)[],
    p: Path,
    scope: StepScope,
    inOutputs: boolean,
    text: string,
  ) {
    const [root, first, second, third] = segments;
    const where = `in "${text}"`;
    if (typeof root !== "string") return;
    if (root === "context") return; // trigger information: its shape belongs to the intake layer
    if (root === "result") {
      if (!inOutputs) at(p, `"result" exists only in outputs: (${where}); use steps.<name>.outputs.<field>`);
      return;
    }
    if (root === "run") {
      if (first !== undefined && !runFields.includes(String(first))) {
        at(p, `run has no field "${first}" ${where}; it has: ${runFields.join(", ")}`);
      }
      return;
    }
    if (root === "plugins") {
      if (first !== undefined && !slots.includes(String(first))) {
        at(p, `plugins has no slot "${first}" ${where}; it has: ${slots.join(", ")}`);
      }
      return;
    }
    if (root === "steps") {
      if (first === undefined) return;
      const name = String(first);
      const index = scope.stepIndex.get(name);
      if (index === undefined) {
        at(p, `no step named "${name}" ${where}; steps: ${[...scope.stepIndex.keys()].join(", ")}`);
        return;
      }
      if (name === scope.current && !scope.isRollback) {
        at(p, `step "${name}" refers to its own outputs ${where}; in outputs: use \${result.<field>}`);
        return;
      }
      if (index >= scope.readableUpTo) {
        at(
          p,
          `"${name}" is step ${index + 1}, which runs later ${where}; a step can only read steps before it`,
        );
        return;
      }
      if (second !== undefined && second !== "outputs" && second !== "status") {
        at(p, `steps.${name} has "outputs" and "status", not "${second}" ${where}`);
        return;
      }
      if (second === "outputs" && third !== undefined) {
        const target = workflow.steps[index];
        const keys = target && !isUnparsed(target) ? outputKeysOf(target) : undefined;
        if (keys && !keys.includes(String(third))) {
          at(p, `steps.${name}.outputs has no "${third}" ${where}; it has: ${keys.join(", ")}`);
        }
      }
      return;
    }
    if (!scope.variables.has(root)) {
      const known = [...scope.variables].sort().join(", ") || "(none)";
      at(p, `unknown variable "${root}" ${where}; defined at this step: ${known}`);
    }
  }

  /** The fields a step's outputs are known to have, or undefined when only run time knows (agents). */
  function outputKeysOf(step: AnyStepDefinition | undefined): readonly string[] | undefined {
    if (!step) return undefined;
    const kind = stepKindOf(step);
    if (kind === "plugin" && step.plugin && step.action) {
      const spec = findAction(options.catalog, step.plugin, step.action);
      return spec ? Object.keys(spec.output.shape) : undefined;
    }
    if (kind === "set") return Object.keys(step.inputs);
    if (kind === "ai_action") {
      const properties = (step.output_schema as { properties?: Record<string, unknown> } | undefined)
        ?.properties;
      return properties ? Object.keys(properties) : ["text"];
    }
    return undefined;
  }
}

/**
 * A step's `outputs:` as variables and expressions (both forms, see outputBindings). In the plan's form a
 * key may also name the action's whole result (get_task's `task: task_data`), by the name the catalog
 * gives it; run-step.ts sets the variables with this same function.
 */
export function stepOutputBindings(
  step: AnyStepDefinition,
  catalog: PluginCatalog = pluginCatalog,
): OutputBinding[] {
  const spec =
    stepKindOf(step) === "plugin" && step.plugin && step.action
      ? findAction(catalog, step.plugin, step.action)
      : undefined;
  return outputBindings(step.outputs).map((binding) =>
    binding.form === "field" && spec?.resultName === binding.key && !(binding.key in spec.output.shape)
      ? { ...binding, expression: "${result}" }
      : binding,
  );
}

/** The run variables a step defines: its outputs mapping (either form), and for a set step its inputs. */
export function definedVariables(step: AnyStepDefinition): string[] {
  const names = stepOutputBindings(step)
    .filter((b) => b.form !== "invalid")
    .map((b) => b.variable);
  if (stepKindOf(step) === "set") names.push(...Object.keys(step.inputs));
  return names;
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
