import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";

/**
 * Anthropic's list of deprecated models and their end-of-life dates, as the SDK ships it
 * (`internal/data/deprecated-models` in @anthropic-ai/sdk, which the SDK itself reads to warn on a call).
 * The SDK does not export it (its package.json `exports` has no `./internal/*`), so it is read from the
 * installed package's files by path. A later SDK may move or reshape it: every place it has been is tried,
 * the shape is checked, and when nothing fits the table is empty with a reason the app logs at start,
 * instead of a crash (test/ai/model-deprecations.test.ts fails on such an SDK, so an update is noticed).
 */
export interface ModelDeprecation {
  /** The date as the SDK writes it, e.g. "November 30th, 2026". */
  endOfLifeText: string;
  /** Midnight UTC of that date; undefined when the text is not a date this parser knows. */
  endOfLife: Date | undefined;
}

export interface DeprecationTable {
  models: ReadonlyMap<string, ModelDeprecation>;
  /** Why the table is empty, when the SDK's file could not be read. */
  unavailable?: string;
}

/** Where the table has been in the SDK's package, newest layout first. */
const candidateFiles = ["internal/data/deprecated-models.js", "internal/data.js"];
const tableShape = z.object({ DEPRECATED_MODELS: z.record(z.string(), z.string()) });

/** The current model of each family: what a message about a retired model tells the operator to use. */
export const currentModels = {
  sonnet: "claude-sonnet-5-5",
  opus: "claude-opus-4-8",
  haiku: "claude-haiku-4-5",
} as const;
export const defaultModel = currentModels.sonnet;

let sdkTable: DeprecationTable | undefined;

/** The SDK's table, read once per process. */
export function sdkDeprecationTable(): DeprecationTable {
  sdkTable ??= readSdkDeprecationTable();
  return sdkTable;
}

export function readSdkDeprecationTable(packageDir = sdkPackageDir()): DeprecationTable {
  if (!packageDir) return { models: new Map(), unavailable: "@anthropic-ai/sdk is not installed" };
  const require = createRequire(import.meta.url);
  for (const candidate of candidateFiles) {
    const file = path.join(packageDir, candidate);
    if (!existsSync(file)) continue;
    let loaded: unknown;
    try {
      loaded = require(file);
    } catch {
      continue;
    }
    const parsed = tableShape.safeParse(loaded);
    if (!parsed.success) continue;
    const models = new Map<string, ModelDeprecation>();
    for (const [model, text] of Object.entries(parsed.data.DEPRECATED_MODELS)) {
      models.set(model, { endOfLifeText: text, endOfLife: parseEndOfLife(text) });
    }
    return { models };
  }
  return {
    models: new Map(),
    unavailable: `no deprecated-models table in ${packageDir} (looked for ${candidateFiles.join(", ")})`,
  };
}

/** The installed SDK's folder: its main entry resolves through `exports`, then up to its package.json. */
function sdkPackageDir(): string | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve("@anthropic-ai/sdk");
  } catch {
    return undefined;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "@anthropic-ai/sdk")
        return dir;
    } catch {
      // not the package's manifest; keep walking up
    }
  }
  return undefined;
}

const months = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** "November 30th, 2026" (the SDK's style) or "2026-11-30", as midnight UTC. */
export function parseEndOfLife(text: string): Date | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (iso) return utcDate(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
  const written = /^([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(text.trim());
  if (!written) return undefined;
  const month = months.indexOf((written[1] ?? "").toLowerCase());
  if (month < 0) return undefined;
  return utcDate(Number(written[3]), month, Number(written[2]));
}

function utcDate(year: number, month: number, day: number): Date | undefined {
  const date = new Date(Date.UTC(year, month, day));
  return date.getUTCMonth() === month && date.getUTCDate() === day ? date : undefined;
}

/** The model to move to from a deprecated one: the current model of its family. */
export function replacementFor(model: string): string {
  const family = /claude-(sonnet|opus|haiku)/.exec(model)?.[1] as keyof typeof currentModels | undefined;
  return family ? currentModels[family] : defaultModel;
}

export type ModelVerdict =
  | { status: "current" }
  | { status: "deprecated"; message: string }
  | { status: "retired"; message: string };

/**
 * What to do with a configured model at start: nothing, warn (deprecated, still served), or refuse
 * (past its end of life: every call would fail half-way through a run). `where` names the setting in
 * the message, or is "" when the message goes beside the setting's own place.
 */
export function modelVerdict(model: string, where: string, now: Date, table: DeprecationTable): ModelVerdict {
  const entry = table.models.get(model);
  if (!entry) return { status: "current" };
  const replacement = replacementFor(model);
  const date = entry.endOfLife ? entry.endOfLife.toISOString().slice(0, 10) : entry.endOfLifeText;
  if (entry.endOfLife && now.getTime() >= entry.endOfLife.getTime()) {
    return {
      status: "retired",
      message: `${where ? `${where} ` : ""}${model} reached its end of life on ${date} (Anthropic's deprecation list in @anthropic-ai/sdk) and no longer answers: use ${replacement} instead`,
    };
  }
  return {
    status: "deprecated",
    message: `${where ? `${where} ` : ""}${model} is deprecated and reaches its end of life on ${date}: move to ${replacement} before then`,
  };
}
