import { formatUsd, microsToUsd } from "../budget/money.ts";
import type { RunDetail, RunSummary, StepSummary } from "./list-runs.ts";

/** `ai-dev runs`: one line per run, newest first. */
export function renderRunsTable(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return "no runs yet\n";
  const header = ["ID", "CREATED", "TRIGGER", "REPOSITORY", "TARGET", "WORKFLOW", "STATE", "STEPS", "COST"];
  const rows = runs.map((run) => [
    run.id,
    shortTime(run.createdAt),
    triggerText(run),
    run.repository ?? "-",
    targetText(run),
    run.workflow,
    run.state,
    run.steps.failed > 0 ? `${run.steps.total} (${run.steps.failed} failed)` : String(run.steps.total),
    cost(run.costUsdMicros),
  ]);
  return table(header, rows);
}

/** `ai-dev runs show <id>`: the run, then its steps in the order they ran. */
export function renderRunDetail(detail: RunDetail): string {
  const { run, steps } = detail;
  const fields: [string, string][] = [
    ["run", run.id],
    ["workflow", run.workflow],
    ["state", run.state],
    ["trigger", triggerText(run)],
    ["repository", run.repository ?? "-"],
    ["target", targetText(run)],
    ["cost", cost(run.costUsdMicros)],
    ["created", shortTime(run.createdAt)],
    ["started", run.startedAt ? shortTime(run.startedAt) : "-"],
    ["finished", run.finishedAt ? shortTime(run.finishedAt) : "-"],
  ];
  if (run.error) fields.push(["error", run.error]);
  const width = Math.max(...fields.map(([name]) => name.length));
  const head = fields.map(([name, value]) => `${`${name}:`.padEnd(width + 2)}${printable(value)}`).join("\n");
  if (steps.length === 0) return `${head}\n\nno steps yet\n`;
  const header = ["#", "STEP", "PHASE", "KIND", "STATE", "ATTEMPT", "COST", "STARTED", "TOOK"];
  const rows = steps.map((step, index) => [
    String(index + 1),
    step.name,
    step.phase,
    step.kind,
    step.state,
    String(step.attempt),
    cost(step.costUsdMicros),
    shortTime(step.startedAt),
    took(step),
  ]);
  const errors = steps
    .map((step, index) => (step.error ? `  #${index + 1} ${step.name}: ${printable(step.error)}` : undefined))
    .filter((line): line is string => line !== undefined);
  const errorBlock = errors.length > 0 ? `\nstep errors:\n${errors.join("\n")}\n` : "";
  return `${head}\n\n${table(header, rows)}${errorBlock}`;
}

/** `--json`: the same data the tables show, for scripts. */
export function renderJson(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows.map((row) => row.map(printable))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

function triggerText(run: RunSummary): string {
  if (!run.trigger) return "-";
  return run.trigger.event ? `${run.trigger.source} ${run.trigger.event}` : run.trigger.source;
}

function targetText(run: RunSummary): string {
  const target = run.target ? `${run.target.kind === "issue" ? "issue" : "PR"} #${run.target.number}` : "-";
  return run.pullRequest !== null && run.pullRequest !== run.target?.number
    ? `${target} -> PR #${run.pullRequest}`
    : target;
}

function cost(micros: number): string {
  return formatUsd(microsToUsd(micros));
}

/** "2026-11-27 12:00:05" in UTC: the zone the logs use, so both read the same. */
function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function took(step: StepSummary): string {
  if (!step.finishedAt) return step.state === "running" ? "running" : "-";
  const ms = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 120
    ? `${seconds}s`
    : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

/**
 * Error messages and repository names may come from outside (a model, a webhook): control characters
 * would let them move the cursor or recolour the operator's terminal, so they are shown escaped.
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === "\n" ? " " : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
