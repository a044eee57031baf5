/**
 * `npm run bench`: runs every suite in bench/suites/*.ts, prints a table of their figures, and merges
 * them into bench/results/latest.json (not committed) with the machine they ran on. A suite module
 * exports `name` and `run(): Promise<BenchFigures>`; later issues add suites without touching this file.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface BenchRow {
  label: string;
  value: string;
}

export interface BenchFigures {
  /** Numbers for latest.json, by key. */
  figures: Record<string, number | string | null>;
  /** Lines for the printed table. */
  rows: BenchRow[];
}

const suitesDir = path.join(import.meta.dirname, "suites");
const resultsFile = path.join(import.meta.dirname, "results", "latest.json");

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown cpu";
  return `${os.type()} ${os.release()} ${os.arch()}, ${cpu} ×${os.cpus().length}, node ${process.version}`;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(suitesDir)
    .filter((f) => f.endsWith(".ts"))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, unknown>;
  } catch {
    existing = {};
  }
  const merged: Record<string, unknown> = { ...existing };
  const table: [string, string, string][] = [];
  for (const file of files) {
    const suite = (await import(pathToFileURL(path.join(suitesDir, file)).href)) as {
      name: string;
      run: () => Promise<BenchFigures>;
    };
    const started = performance.now();
    const result = await suite.run();
    Object.assign(merged, result.figures);
    for (const row of result.rows) table.push([suite.name, row.label, row.value]);
    table.push([suite.name, "(suite time)", `${((performance.now() - started) / 1000).toFixed(1)} s`]);
  }
  merged.machine = machine();
  merged.updated_at = new Date().toISOString();
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`);

  const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i]?.length ?? 0), 5));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(["suite", "measure", "value"]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table) console.log(line(row));
  console.log(`\nmachine: ${merged.machine}\nwritten: ${path.relative(process.cwd(), resultsFile)}`);
}

await main();
