import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Liquid } from "liquidjs";
import { z } from "zod";
import { findAction, type PluginCatalog } from "../plugins/catalog.ts";
import type { SourceIssue, YamlSource } from "../validation/yaml-source.ts";
import { stepKey } from "./loaded-workflow.ts";
import { conditionVariables, expressionVariables, findExpressions, hasExpressions } from "./references.ts";
import { type PromptTemplate, parsePromptTemplate } from "./template.ts";
import { type AnyStepDefinition, stepKindOf, type WorkflowDefinition } from "./workflow-schema.ts";

export interface CheckOptions {
  liquid: Liquid;
  catalog: PluginCatalog;
  promptsDir: string;
  /** Prompt files parsed so far, shared by the workflows of one directory. */
  promptCache: Map<string, PromptTemplate | Error>;
}

export interface CheckResult {
  issues: SourceIssue[];
  prompts: Map<string, PromptTemplate>;
  outputSchemas: Map<string, z.ZodType>;
}

/** Names a workflow cannot give its inputs or variables: expressions use them for other things. */
export const reservedNames = new Set(["steps", "context", "run", "plugins", "result"]);
// run.error: the failure a rollback step reports (empty outside a rollback).
const runFields = ["id", "workflow", "error"];
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
  workflow: WorkflowDefinition,
  source: YamlSource,
  options: CheckOptions,
): CheckResult {
  const issues: SourceIssue[] = [];
  const prompts = new Map<string, PromptTemplate>();
  const outputSchemas = new Map<string, z.ZodType>();
  const at = (p: Path, message: string) => issues.push(source.issue(p, message));

  for (const name of Object.keys(workflow.inputs)) {
    if (reservedNames.has(name))
      at(["inputs", name], `"${name}" is reserved for expressions; choose another name`);
  }

  const stepIndex = new Map<string, number>();
  for (const [index, step] of workflow.steps.entries()) {
    const first = stepIndex.get(step.name);
    if (first === undefined) stepIndex.set(step.name, index);
    else
      at(["steps", index, "name"], `duplicate step name "${step.name}": step ${first + 1} has the same name`);
  }

  const variables = new Set(Object.keys(workflow.inputs));
  for (const [index, step] of workflow.steps.entries()) {
    const base: Path = ["steps", index];
    const scope = { stepIndex, readableUpTo: index, current: step.name, isRollback: false };
    checkStep(step, base, { ...scope, variables: new Set(variables) }, undefined);
    for (const name of definedVariables(step)) {
      if (reservedNames.has(name))
        at([...base, "outputs", name], `"${name}" is reserved; choose another variable name`);
      variables.add(name);
    }
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
  return { issues, prompts, outputSchemas };

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
    for (const [name, expression] of Object.entries(step.outputs)) {
      const found = findExpressions(expression);
      if (found.length === 0)
        at([...base, "outputs", name], 'expected a reference to the result, e.g. "${result.url}"');
      for (const f of found) checkExpression(f.expression, [...base, "outputs", name], scope, true);
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
      const known = Object.keys(options.catalog[slot] ?? {}).join(", ");
      at([...base, "action"], `unknown action "${action}" for plugin ${slot}; expected one of: ${known}`);
      return;
    }
    const shape = spec.input.shape as Record<string, z.ZodType>;
    for (const [key, value] of Object.entries(step.inputs)) {
      const field = shape[key];
      if (!field) {
        at(
          [...base, "inputs", key],
          `unknown input "${key}" for ${slot}.${action}; expected: ${Object.keys(shape).join(", ")}`,
        );
        continue;
      }
      // A value with references is known only at run time; the full input schema checks it then.
      if (hasExpressions(value)) continue;
      const result = field.safeParse(value);
      if (!result.success) at([...base, "inputs", key], result.error.issues.map((i) => i.message).join("; "));
    }
    for (const [key, field] of Object.entries(shape)) {
      if (!(key in step.inputs) && !field.safeParse(undefined).success) {
        at([...base, "inputs"], `${slot}.${action} needs input "${key}"`);
      }
    }
  }

  function checkAiStep(step: AnyStepDefinition, base: Path, key: string): void {
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

  function loadPrompt(name: string): PromptTemplate | Error {
    const cached = options.promptCache.get(name);
    if (cached) return cached;
    const root = path.resolve(options.promptsDir);
    const file = path.resolve(root, name);
    let result: PromptTemplate | Error;
    if (!file.startsWith(root + path.sep) || !name.endsWith(".liquid")) {
      result = new Error(`prompt_template must name a .liquid file inside ${options.promptsDir}`);
    } else if (!existsSync(file)) {
      result = new Error(`no prompt file ${name} in ${options.promptsDir}`);
    } else {
      try {
        result = parsePromptTemplate(options.liquid, readFileSync(file, "utf8"), name);
      } catch (error) {
        result = new Error(`prompt ${name}: ${messageOf(error)}`);
      }
    }
    options.promptCache.set(name, result);
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
        const keys = outputKeysOf(workflow.steps[index]);
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

/** The run variables a step defines: its outputs mapping, and for a set step its inputs. */
export function definedVariables(step: AnyStepDefinition): string[] {
  const names = Object.keys(step.outputs);
  if (stepKindOf(step) === "set") names.push(...Object.keys(step.inputs));
  return names;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
