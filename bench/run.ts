/**
 * `npm run bench`: runs every suite in bench/suites/*.ts, prints a table of their figures, and merges
 * them into bench/results/latest.json (not committed) with the machine they ran on, then judges every
 * target (bench/support/goals.ts) and writes the same report as Markdown to bench/results/latest.md.
 * A suite module exports `name` and `run(): Promise<BenchFigures>`; later issues add suites without
 * touching this file. Each suite runs in a process of its own (bench/run-suite.ts).
 * `npm run bench -- orchestration memory` runs only the suites whose file names match.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { judgeGoals } from "./support/goals.ts";

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
const runSuite = path.join(import.meta.dirname, "run-suite.ts");
const resultsFile = path.join(import.meta.dirname, "results", "latest.json");
const reportFile = path.join(import.meta.dirname, "results", "latest.md");

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
  const benchStarted = performance.now();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "ai-dev-bench-results-"));
  try {
    for (const file of files) {
      // The previous suite's writes (a load test's WAL, a 10,000-file checkout) are flushed before this
      // one starts, so their write-back does not land in this suite's timings.
      execFileSync("sync");
      const resultFile = path.join(scratch, `${file}.json`);
      const started = performance.now();
      // Each suite in a fresh process, with this one's loader (tsx): see run-suite.ts.
      const args = [...process.execArgv, runSuite, path.join(suitesDir, file), resultFile];
      execFileSync(process.execPath, args, { stdio: "inherit" });
      const result = JSON.parse(readFileSync(resultFile, "utf8")) as BenchFigures & { name: string };
      Object.assign(merged, result.figures);
      for (const row of result.rows) table.push([result.name, row.label, row.value]);
      table.push([result.name, "(suite time)", `${((performance.now() - started) / 1000).toFixed(1)} s`]);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // The ten-minute budget is for the whole bench; a run of some suites leaves the last whole one's figure.
  if (only.length === 0)
    merged.bench_minutes = Number(((performance.now() - benchStarted) / 60_000).toFixed(1));
  merged.machine = machine();
  merged.updated_at = new Date().toISOString();
  const judged = judgeGoals(merged);
  mkdirSync(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 2)}\n`);

  const targets: [string, string, string, string][] = judged.map((g) => [
    g.key,
    g.value,
    g.target,
    g.verdict,
  ]);
  printTable(["suite", "measure", "value"], table);
  console.log("");
  printTable(["figure", "value", "target", "verdict"], targets);
  const met = judged.filter((g) => g.verdict === "met").length;
  const missed = judged.filter((g) => g.verdict === "MISSED").length;
  console.log(`\ntargets: ${met} met, ${missed} missed, ${judged.length - met - missed} not measured`);
  writeFileSync(
    reportFile,
    markdownReport(String(merged.machine), String(merged.updated_at), table, targets),
  );
  console.log(
    `machine: ${merged.machine}\nwritten: ${path.relative(process.cwd(), resultsFile)}, ${path.relative(process.cwd(), reportFile)}`,
  );
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

function markdownReport(
  machineName: string,
  updatedAt: string,
  table: string[][],
  targets: string[][],
): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const md = (header: string[], rows: string[][]) =>
    [
      `| ${header.join(" | ")} |`,
      `| ${header.map(() => "---").join(" | ")} |`,
      ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
    ].join("\n");
  return [
    `# npm run bench, ${updatedAt}`,
    "",
    `Machine: ${machineName}`,
    "",
    "## Targets",
    "",
    md(["figure", "value", "target", "verdict"], targets),
    "",
    "## Measures",
    "",
    md(["suite", "measure", "value"], table),
    "",
  ].join("\n");
}

await main();
