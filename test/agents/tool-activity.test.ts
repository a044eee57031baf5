import { describe, expect, it } from "vitest";
import { renderToolActivity, summarizeToolEvents } from "../../src/agents/tools/tool-activity.ts";
import type { ToolEvent } from "../../src/agents/tools/tool-events.ts";

describe("tool activity in the progress comment", () => {
  it("lists files changed and read once each, commands with their exit codes, and refusals", () => {
    const events: ToolEvent[] = [
      { kind: "directory_listed", path: "" },
      { kind: "file_read", path: "src/a.ts" },
      { kind: "file_read", path: "src/a.ts" },
      { kind: "file_read", path: "src/b.ts" },
      { kind: "search", pattern: "total", matches: 3 },
      { kind: "file_edited", path: "src/b.ts" },
      { kind: "file_created", path: "test/b.test.ts" },
      { kind: "command", command: "npm test", exitCode: 1, timedOut: false, durationMs: 900 },
      { kind: "command", command: "npm test", exitCode: 0, timedOut: false, durationMs: 800 },
      {
        kind: "refused",
        tool: "str_replace_based_edit_tool",
        target: ".env",
        reason: ".env is a blocked path",
      },
    ];
    expect(renderToolActivity(summarizeToolEvents(events))).toEqual([
      "- Changed: `src/b.ts`, `test/b.test.ts`",
      "- Read: `src/a.ts`",
      "- Ran: `npm test` → exit 1; `npm test` → exit 0",
      "- Searched the code 1 time",
      "- Refused 1 tool call (blocked or outside the repository, or invalid)",
    ]);
  });

  it("keeps a hostile path or command inside a code span", () => {
    const events: ToolEvent[] = [
      { kind: "file_created", path: "a`](https://evil.example) @everyone\n# Heading" },
      { kind: "command", command: "echo `id`", exitCode: null, timedOut: true, durationMs: 1 },
    ];
    expect(renderToolActivity(summarizeToolEvents(events))).toEqual([
      "- Changed: `a ](https://evil.example) @everyone # Heading`",
      "- Ran: `echo  id` → timed out",
    ]);
  });

  it("shortens long lists", () => {
    const events: ToolEvent[] = Array.from({ length: 13 }, (_, i) => ({
      kind: "file_read" as const,
      path: `f${i}`,
    }));
    expect(renderToolActivity(summarizeToolEvents(events), 2)).toEqual(["- Read: `f0`, `f1` and 11 more"]);
  });
});
