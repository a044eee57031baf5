import type { ToolEvent } from "./tool-events.ts";

export interface ToolActivity {
  filesRead: string[];
  filesChanged: string[];
  commands: { command: string; exitCode: number | null; timedOut: boolean }[];
  searches: number;
  refused: number;
}

/** The agent's tool events folded into what the progress comment lists: each file once, commands in order. */
export function summarizeToolEvents(events: readonly ToolEvent[]): ToolActivity {
  const read = new Set<string>();
  const changed = new Set<string>();
  const activity: ToolActivity = { filesRead: [], filesChanged: [], commands: [], searches: 0, refused: 0 };
  for (const event of events) {
    switch (event.kind) {
      case "file_read":
        read.add(event.path);
        break;
      case "file_created":
      case "file_edited":
        changed.add(event.path);
        break;
      case "command":
        activity.commands.push({
          command: event.command,
          exitCode: event.exitCode,
          timedOut: event.timedOut,
        });
        break;
      case "search":
        activity.searches++;
        break;
      case "refused":
        activity.refused++;
        break;
      case "directory_listed":
        break;
    }
  }
  activity.filesRead = [...read].filter((p) => !changed.has(p));
  activity.filesChanged = [...changed];
  return activity;
}

/**
 * Markdown lines for the progress comment. Paths and commands come from the model, which read untrusted
 * text: each goes in a code span with backticks and line breaks taken out, so none can add a link,
 * a mention or a heading to the comment.
 */
export function renderToolActivity(activity: ToolActivity, maxItems = 10): string[] {
  const lines: string[] = [];
  const list = (items: string[]) => {
    const shown = items.slice(0, maxItems).map(code).join(", ");
    return items.length > maxItems ? `${shown} and ${items.length - maxItems} more` : shown;
  };
  if (activity.filesChanged.length > 0) lines.push(`- Changed: ${list(activity.filesChanged)}`);
  if (activity.filesRead.length > 0) lines.push(`- Read: ${list(activity.filesRead)}`);
  if (activity.commands.length > 0) {
    const recent = activity.commands.slice(-maxItems).map((c) => {
      const outcome = c.timedOut ? "timed out" : c.exitCode === null ? "killed" : `exit ${c.exitCode}`;
      return `${code(c.command)} → ${outcome}`;
    });
    const earlier = activity.commands.length - recent.length;
    lines.push(`- Ran: ${recent.join("; ")}${earlier > 0 ? ` (and ${earlier} earlier)` : ""}`);
  }
  if (activity.searches > 0)
    lines.push(`- Searched the code ${activity.searches} ${activity.searches === 1 ? "time" : "times"}`);
  if (activity.refused > 0) {
    lines.push(
      `- Refused ${activity.refused} tool ${activity.refused === 1 ? "call" : "calls"} (blocked or outside the repository, or invalid)`,
    );
  }
  return lines;
}

function code(text: string): string {
  const clean = text.replace(/[`\r\n]+/g, " ").trim();
  return `\`${clean.length > 80 ? `${clean.slice(0, 80)}…` : clean}\``;
}
