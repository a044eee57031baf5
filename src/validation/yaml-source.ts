import { isCollection, isPair, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";

/** A place in a source file, 1-based, as editors and compilers print it. */
export interface SourcePosition {
  line: number;
  col: number;
}

/** One problem in a file: where it is, which field, and what was expected. */
export interface SourceIssue {
  file: string;
  position: SourcePosition | undefined;
  path: (string | number)[];
  message: string;
}

/** Raised with every problem of a file at once, so a user fixes them in one pass. */
export class SourceValidationError extends Error {
  readonly issues: SourceIssue[];
  constructor(issues: SourceIssue[]) {
    const fileOrder = [...new Set(issues.map((i) => i.file))];
    const sorted = [...issues].sort(
      (a, b) => fileOrder.indexOf(a.file) - fileOrder.indexOf(b.file) || byPosition(a, b),
    );
    super(sorted.map(formatSourceIssue).join("\n"));
    this.name = "SourceValidationError";
    this.issues = sorted;
  }
}

/** Reading order within a file: by line, then column; issues without a place come first. */
function byPosition(a: SourceIssue, b: SourceIssue): number {
  return (a.position?.line ?? 0) - (b.position?.line ?? 0) || (a.position?.col ?? 0) - (b.position?.col ?? 0);
}

export function formatSourceIssue(issue: SourceIssue): string {
  const where = issue.position ? `${issue.file}:${issue.position.line}:${issue.position.col}` : issue.file;
  const field = issue.path.length > 0 ? ` ${issue.path.join(".")}:` : "";
  return `${where}${field} ${issue.message}`;
}

/**
 * A parsed YAML file that remembers where every value came from, so that a schema error on
 * `limits.monthly_budget` can name the line it stands on.
 */
export interface YamlSource {
  file: string;
  value: unknown;
  /** The position of the value at `path`, or of its nearest ancestor that exists. */
  positionOf(path: readonly PropertyKey[]): SourcePosition | undefined;
  issue(path: readonly PropertyKey[], message: string): SourceIssue;
}

/** Parses YAML text; a syntax error throws a SourceValidationError with every error's line and column. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SourceValidationError(
      doc.errors.map((error) => ({
        file,
        position: lineCounter.linePos(error.pos[0]),
        path: [],
        message: firstLine(error.message),
      })),
    );
  }
  const positionAt = (offset: number): SourcePosition => lineCounter.linePos(offset);
  const positionOf = (path: readonly PropertyKey[]): SourcePosition | undefined => {
    let node: unknown = doc.contents;
    let best: SourcePosition | undefined = rangeStart(node, positionAt);
    for (const key of path) {
      if (!isCollection(node)) break;
      const next = findChild(node, key);
      if (next === undefined) break;
      node = next.value;
      best = rangeStart(next.value, positionAt) ?? rangeStart(next.key, positionAt) ?? best;
    }
    return best;
  };
  return {
    file,
    value: doc.toJS({ maxAliasCount: 100 }),
    positionOf,
    issue: (path, message) => ({ file, position: positionOf(path), path: path.map(keyText), message }),
  };
}

/** Validates a parsed file with a zod schema; every failing field becomes a positioned issue. */
export function parseWithSchema<S extends z.ZodType>(
  source: YamlSource,
  schema: S,
  value: unknown = source.value,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SourceValidationError(result.error.issues.map((i) => source.issue(i.path, i.message)));
}

function findChild(node: Node, key: PropertyKey): { key: unknown; value: unknown } | undefined {
  if (!isCollection(node)) return undefined;
  for (const [index, item] of node.items.entries()) {
    if (isPair(item)) {
      const itemKey = isScalar(item.key) ? item.key.value : item.key;
      if (String(itemKey) === String(key)) return { key: item.key, value: item.value };
    } else if (index === key) {
      return { key: undefined, value: item };
    }
  }
  return undefined;
}

function rangeStart(node: unknown, at: (offset: number) => SourcePosition): SourcePosition | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? at(range[0]) : undefined;
}

function keyText(key: PropertyKey): string | number {
  return typeof key === "symbol" ? String(key) : key;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
