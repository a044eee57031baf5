import type { Liquid } from "liquidjs";

/**
 * `${…}` references in step inputs and outputs, and `if:` conditions. An expression is Liquid's own
 * (`${steps.plan.outputs.title | truncate: 60}`), so one strict engine checks and evaluates them all.
 */
const referencePattern = /\$\{([^}]*)\}/g;
const wholeReference = /^\$\{([^}]*)\}$/;

export interface FoundExpression {
  expression: string;
  /** Where the string holding it is, below the field that was searched. */
  path: (string | number)[];
}

/** Every `${…}` expression in a value, however deeply it is nested. */
export function findExpressions(value: unknown, path: (string | number)[] = []): FoundExpression[] {
  if (typeof value === "string") {
    return [...value.matchAll(referencePattern)].map((m) => ({ expression: (m[1] ?? "").trim(), path }));
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findExpressions(item, [...path, index]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => findExpressions(item, [...path, key]));
  }
  return [];
}

export function hasExpressions(value: unknown): boolean {
  return findExpressions(value).length > 0;
}

/** An `if:` may be written bare (`plugins.documentation`) or wrapped (`${plugins.documentation}`). */
export function conditionSource(condition: string): string {
  const match = wholeReference.exec(condition.trim());
  return (match?.[1] ?? condition).trim();
}

/** The variable paths an expression reads, e.g. [["steps","plan","outputs","title"]]; throws on bad syntax. */
export function expressionVariables(liquid: Liquid, expression: string): (string | number)[][] {
  if (expression === "") throw new Error("empty ${} reference");
  return segmentsOf(liquid, `{{ ${expression} }}`);
}

export function conditionVariables(liquid: Liquid, condition: string): (string | number)[][] {
  return segmentsOf(liquid, `{% if ${conditionSource(condition)} %}{% endif %}`);
}

function segmentsOf(liquid: Liquid, source: string): (string | number)[][] {
  return liquid
    .globalVariableSegmentsSync(liquid.parse(source))
    .map((segments) =>
      segments.filter((s): s is string | number => typeof s === "string" || typeof s === "number"),
    );
}

/**
 * Resolves every reference in a value. A string that is one reference keeps the value's type (an object
 * stays an object); references inside longer text become text.
 */
export async function resolveValue(
  liquid: Liquid,
  value: unknown,
  scope: Record<string, unknown>,
): Promise<unknown> {
  if (typeof value === "string") {
    const whole = wholeReference.exec(value);
    if (whole) return liquid.evalValue((whole[1] ?? "").trim(), scope);
    if (!value.includes("${")) return value;
    let out = "";
    let last = 0;
    for (const match of value.matchAll(referencePattern)) {
      out += value.slice(last, match.index);
      out += asText(await liquid.evalValue((match[1] ?? "").trim(), scope));
      last = match.index + match[0].length;
    }
    return out + value.slice(last);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await resolveValue(liquid, item, scope));
    return items;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = await resolveValue(liquid, item, scope);
    return out;
  }
  return value;
}

export async function evaluateCondition(
  liquid: Liquid,
  condition: string,
  scope: Record<string, unknown>,
): Promise<boolean> {
  const rendered = await liquid.parseAndRender(
    `{% if ${conditionSource(condition)} %}true{% else %}false{% endif %}`,
    scope,
  );
  return rendered === "true";
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const variableName = /^[a-z][a-z0-9_]*$/;

/** One entry of a step's `outputs:`: the run variable it sets and the expression that gives its value. */
export interface OutputBinding {
  /** The key as written, where a problem with the entry is reported. */
  key: string;
  variable: string;
  expression: string;
  /** "field": the plan's form (`task: task_data`); "expression": `pr_url: ${result.url}`; else neither. */
  form: "field" | "expression" | "invalid";
}

/**
 * Reads `outputs:` in both forms. The rule: a value holding a `${…}` reference is an expression, and its
 * key is the variable; a value that is a plain lower_snake_case name is the variable, and its key is the
 * result's field (`task: task_data` is `task_data: ${result.task}`). Anything else is neither.
 */
export function outputBindings(outputs: Readonly<Record<string, string>>): OutputBinding[] {
  return Object.entries(outputs).map(([key, value]): OutputBinding => {
    if (hasExpressions(value)) return { key, variable: key, expression: value, form: "expression" };
    if (variableName.test(value.trim())) {
      return { key, variable: value.trim(), expression: `\${result.${key}}`, form: "field" };
    }
    return { key, variable: key, expression: value, form: "invalid" };
  });
}
