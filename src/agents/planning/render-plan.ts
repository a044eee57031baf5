import type { Plan, PlanTask } from "./plan-schema.ts";

/**
 * The plan as one Markdown comment a person can read and approve. The model's words are untrusted:
 * they are rendered as text in lists and headings, never as HTML, and mentions are defused so a plan
 * cannot ping people.
 */
export function renderPlan(plan: Plan, meta: { runId: string }): string {
  const lines: string[] = ["### Proposed plan", "", text(plan.summary), ""];
  const byEpic = new Map<string | undefined, PlanTask[]>();
  for (const task of plan.tasks) byEpic.set(task.epic, [...(byEpic.get(task.epic) ?? []), task]);
  for (const epic of plan.epics) {
    lines.push(`#### Epic ${epic.id}: ${text(epic.title)}`, "");
    if (epic.description) lines.push(text(epic.description), "");
    for (const task of byEpic.get(epic.id) ?? []) lines.push(...renderTask(task));
  }
  const loose = byEpic.get(undefined) ?? [];
  if (loose.length > 0) {
    if (plan.epics.length > 0) lines.push("#### Other tasks", "");
    for (const task of loose) lines.push(...renderTask(task));
  }
  if (plan.risks.length > 0) lines.push("#### Risks", "", ...plan.risks.map((r) => `- ${text(r)}`), "");
  if (plan.open_questions.length > 0)
    lines.push("#### Open questions", "", ...plan.open_questions.map((q) => `- ${text(q)}`), "");
  lines.push(
    "---",
    `Reply \`/plan approve\` to create these tasks, or \`/plan <new notes>\` for a new draft (ai-dev run ${meta.runId}).`,
  );
  return lines.join("\n");
}

function renderTask(task: PlanTask): string[] {
  const facts = [`size ${task.size}`];
  if (task.depends_on.length > 0) facts.push(`after ${task.depends_on.join(", ")}`);
  const lines = [
    `- **${task.id}: ${text(task.title)}** (${facts.join(", ")})`,
    `  ${text(task.description)}`,
  ];
  lines.push(...task.acceptance_criteria.map((c) => `  - [ ] ${text(c)}`));
  if (task.files.length > 0) lines.push(`  Files: ${task.files.map(code).join(", ")}`);
  lines.push("");
  return lines;
}

/** The body of a task as its tracker shows it. */
export function taskDescription(task: PlanTask): string {
  const lines = [
    task.description,
    "",
    "Acceptance criteria:",
    ...task.acceptance_criteria.map((c) => `- ${c}`),
  ];
  if (task.files.length > 0) lines.push("", `Files likely touched: ${task.files.join(", ")}`);
  lines.push("", `Size: ${task.size}`);
  return lines.join("\n");
}

function text(value: string): string {
  return value
    .replace(/\r?\n+/g, " ")
    .replace(/</g, "&lt;")
    .replace(/@(\w)/g, "@\u200b$1");
}

function code(value: string): string {
  return `\`${value.replace(/`/g, "'")}\``;
}
