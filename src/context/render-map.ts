import type { RankedFile } from "./rank-files.ts";
import { textTokens } from "./text-tokens.ts";

export interface RenderedMap {
  text: string;
  /** The files the text shows, best first, with their scores. */
  files: { path: string; score: number }[];
  tokens: number;
}

const maxDefinitionsPerFile = 20;
const maxLineLength = 100;

/** A file with its most relevant definitions, in source order, gaps marked as aider marks them. */
function fileBlock(file: RankedFile): string {
  const chosen = file.definitions
    .slice(0, maxDefinitionsPerFile)
    .sort((a, b) => a.line - b.line)
    .filter((definition, index, all) => index === 0 || all[index - 1]?.line !== definition.line);
  if (chosen.length === 0) return `${file.path}\n`;
  const lines = [`${file.path}:`];
  let previous = -2;
  for (const definition of chosen) {
    if (definition.line > previous + 1) lines.push("⋮");
    lines.push(`│${definition.text.trimEnd().slice(0, maxLineLength)}`);
    previous = definition.line;
  }
  lines.push("⋮");
  return `${lines.join("\n")}\n`;
}

/** The largest k in [0, count] for which fits(k) holds, given fits is monotone (true, then false). */
function largestFitting(count: number, fits: (k: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * The best-ranked files with their definitions, as many as fit in `budget` tokens (by the app's
 * estimate), then as many more as fit by path alone, found by binary search as aider does.
 */
export function renderMap(ranked: RankedFile[], header: string, budget: number): RenderedMap {
  const blocks = ranked.map(fileBlock);
  const compose = (full: number, pathsOnly: number) =>
    header +
    blocks.slice(0, full).join("") +
    ranked
      .slice(full, full + pathsOnly)
      .map((file) => `${file.path}\n`)
      .join("");
  if (textTokens(header) > budget) return { text: "", files: [], tokens: 0 };
  const full = largestFitting(blocks.length, (k) => textTokens(compose(k, 0)) <= budget);
  const pathsOnly = largestFitting(ranked.length - full, (k) => textTokens(compose(full, k)) <= budget);
  const text = compose(full, pathsOnly);
  return {
    text,
    files: ranked.slice(0, full + pathsOnly).map(({ path, score }) => ({ path, score })),
    tokens: textTokens(text),
  };
}
