import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { toolEventSchema } from "../../src/agents/tools/tool-events.ts";
import { createToolbox, type ToolCall } from "../../src/agents/tools/toolbox.ts";
import { refusingRunner, shellRunner } from "./support/shell-runner.ts";
import { type TempWorktree, tempWorktree } from "./support/worktree.ts";

let worktree: TempWorktree;
afterEach(() => worktree?.remove());

let nextId = 1;
const editor = (input: Record<string, unknown>): ToolCall => ({
  id: `toolu_${nextId++}`,
  name: "str_replace_based_edit_tool",
  input,
});
const bash = (command: string): ToolCall => ({ id: `toolu_${nextId++}`, name: "bash", input: { command } });
const search = (input: Record<string, unknown>): ToolCall => ({
  id: `toolu_${nextId++}`,
  name: "search",
  input,
});

async function toolbox(
  files: Record<string, string>,
  options: Partial<Parameters<typeof createToolbox>[0]> = {},
) {
  worktree = tempWorktree(files);
  return await createToolbox({ dir: worktree.dir, runner: shellRunner, ...options });
}

const read = (relative: string) => readFileSync(path.join(worktree.dir, relative), "utf8");

describe("agent tools", () => {
  it("read-only, offers view and search and refuses every write and bash, changing nothing", async () => {
    const tools = await toolbox({ "a.txt": "one\n" }, { readOnly: true });
    expect(tools.definitions.map((d) => ("name" in d ? d.name : ""))).toEqual([
      "str_replace_based_edit_tool",
      "search",
    ]);
    expect((await tools.dispatch(editor({ command: "view", path: "a.txt" }))).result.content).toContain(
      "one",
    );
    const writes = [
      editor({ command: "create", path: "b.txt", file_text: "two" }),
      editor({ command: "str_replace", path: "a.txt", old_str: "one", new_str: "two" }),
      editor({ command: "insert", path: "a.txt", insert_line: 0, insert_text: "zero" }),
      bash("echo two > a.txt"),
    ];
    for (const call of writes) {
      const answer = await tools.dispatch(call);
      expect(answer.result.is_error, call.name).toBe(true);
      expect(answer.result.content).toMatch(/is refused: this agent only reads/);
    }
    expect(read("a.txt")).toBe("one\n");
  });

  it("offers the text editor and bash the models are trained on, and a search tool with a schema", async () => {
    const tools = await toolbox({});
    expect(tools.definitions.map((d) => ("type" in d ? d.type : "custom"))).toEqual([
      "text_editor_20250728",
      "bash_20250124",
      "custom",
    ]);
    expect(tools.definitions.map((d) => ("name" in d ? d.name : ""))).toEqual([
      "str_replace_based_edit_tool",
      "bash",
      "search",
    ]);
    const searchTool = tools.definitions[2] as { input_schema: Record<string, unknown> };
    expect(searchTool.input_schema).toMatchObject({
      type: "object",
      required: ["pattern"],
      additionalProperties: false,
    });
    expect(searchTool.input_schema).not.toHaveProperty("$schema");
  });

  it("views a file with line numbers, and a range of it", async () => {
    const tools = await toolbox({ "src/a.ts": "one\ntwo\nthree\nfour\n" });
    const whole = await tools.dispatch(editor({ command: "view", path: "src/a.ts" }));
    expect(whole.result).toEqual({
      type: "tool_result",
      tool_use_id: whole.result.tool_use_id,
      content: "     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour",
    });
    expect(whole.events).toEqual([{ kind: "file_read", path: "src/a.ts" }]);
    const part = await tools.dispatch(editor({ command: "view", path: "src/a.ts", view_range: [2, 3] }));
    expect(part.result.content).toBe("     2\ttwo\n     3\tthree");
    const toEnd = await tools.dispatch(editor({ command: "view", path: "src/a.ts", view_range: [3, -1] }));
    expect(toEnd.result.content).toBe("     3\tthree\n     4\tfour");
  });

  it("lists a directory two levels deep without hidden names or blocked paths", async () => {
    const tools = await toolbox({
      "README.md": "hi",
      "src/a.ts": "",
      "src/deep/b.ts": "",
      "src/deep/deeper/c.ts": "",
      ".env": "TOKEN=x",
      "certs/server.pem": "-----BEGIN",
      "config/local.key": "k",
    });
    const { result, events } = await tools.dispatch(editor({ command: "view", path: "." }));
    const lines = String(result.content).split("\n").slice(1);
    expect(lines).toEqual(["certs/", "config/", "README.md", "src/", "src/a.ts", "src/deep/"]);
    expect(events).toEqual([{ kind: "directory_listed", path: "" }]);
  });

  it("cuts a long file view with a note that says how to see the rest", async () => {
    const long = Array.from({ length: 2000 }, (_, i) => `line ${i + 1} ${"x".repeat(40)}`).join("\n");
    const tools = await toolbox({ "big.txt": long }, { limits: { maxOutputChars: 1000 } });
    const { result } = await tools.dispatch(editor({ command: "view", path: "big.txt" }));
    const content = String(result.content);
    expect(content.length).toBeLessThan(1300);
    expect(content).toMatch(/\[output truncated: \d+ more characters not shown; view a smaller view_range/);
  });

  it("creates a file in new directories and reports it", async () => {
    const tools = await toolbox({});
    const { result, events } = await tools.dispatch(
      editor({ command: "create", path: "src/new/thing.ts", file_text: "export const x = 1;\n" }),
    );
    expect(result.is_error).toBeUndefined();
    expect(result.content).toBe("Created src/new/thing.ts (1 lines)");
    expect(read("src/new/thing.ts")).toBe("export const x = 1;\n");
    expect(events).toEqual([{ kind: "file_created", path: "src/new/thing.ts" }]);
  });

  it("replaces text that occurs exactly once and shows the changed region", async () => {
    const tools = await toolbox({ "a.py": "def f():\n    return 1\n\ndef g():\n    return 2\n" });
    const { result, events } = await tools.dispatch(
      editor({ command: "str_replace", path: "a.py", old_str: "return 2", new_str: "return 3" }),
    );
    expect(result.is_error).toBeUndefined();
    expect(read("a.py")).toBe("def f():\n    return 1\n\ndef g():\n    return 3\n");
    expect(String(result.content)).toContain("     5\t    return 3");
    expect(events).toEqual([{ kind: "file_edited", path: "a.py" }]);
  });

  it("refuses a replacement whose text is missing or occurs twice, and leaves the file as it was", async () => {
    const text = "x = 1\ny = 1\nx = 1\n";
    const tools = await toolbox({ "a.py": text });
    const missing = await tools.dispatch(
      editor({ command: "str_replace", path: "a.py", old_str: "z = 1", new_str: "" }),
    );
    expect(missing.result.is_error).toBe(true);
    expect(missing.result.content).toMatch(/^old_str was not found in a\.py: it must match the file exactly/);
    const twice = await tools.dispatch(
      editor({ command: "str_replace", path: "a.py", old_str: "x = 1", new_str: "x = 2" }),
    );
    expect(twice.result.is_error).toBe(true);
    expect(twice.result.content).toBe(
      "old_str occurs more than once in a.py (at lines 1, 3): include more surrounding lines so it matches exactly one place",
    );
    expect(read("a.py")).toBe(text);
  });

  it("inserts text after a line, at the start, and refuses a line past the end", async () => {
    const tools = await toolbox({ "list.txt": "a\nb\n" });
    await tools.dispatch(
      editor({ command: "insert", path: "list.txt", insert_line: 1, insert_text: "between\n" }),
    );
    await tools.dispatch(
      editor({ command: "insert", path: "list.txt", insert_line: 0, insert_text: "first" }),
    );
    expect(read("list.txt")).toBe("first\na\nbetween\nb\n");
    const past = await tools.dispatch(
      editor({ command: "insert", path: "list.txt", insert_line: 9, insert_text: "x" }),
    );
    expect(past.result.is_error).toBe(true);
    expect(past.result.content).toContain("insert_line 9 is past the end of list.txt, which has 4 lines");
  });

  it("answers bad input with what is wrong instead of failing the run", async () => {
    const tools = await toolbox({ "a.txt": "a" });
    const noOld = await tools.dispatch(editor({ command: "str_replace", path: "a.txt" }));
    expect(noOld.result.is_error).toBe(true);
    expect(noOld.result.content).toMatch(/^the input of str_replace_based_edit_tool is invalid: old_str: /);
    const unknown = await tools.dispatch({ id: "toolu_x", name: "web_browser", input: {} });
    expect(unknown.result).toMatchObject({ is_error: true, tool_use_id: "toolu_x" });
    expect(unknown.result.content).toBe(
      'there is no tool named "web_browser": use str_replace_based_edit_tool, bash or search',
    );
    const undo = await tools.dispatch(editor({ command: "undo_edit", path: "a.txt" }));
    expect(undo.result.content).toMatch(/^undo_edit is not available/);
    expect(undo.events[0]).toMatchObject({
      kind: "refused",
      tool: "str_replace_based_edit_tool",
      target: "a.txt",
    });
  });

  it("runs a command in the worktree and answers with its output and exit code", async () => {
    const tools = await toolbox({ "a.txt": "hello\n" });
    const ok = await tools.dispatch(bash("cat a.txt && echo oops >&2"));
    expect(ok.result.is_error).toBeUndefined();
    expect(ok.result.content).toBe("hello\n[stderr]\noops\n[exit code 0]");
    const failing = await tools.dispatch(bash("exit 3"));
    expect(failing.result.content).toBe("(no output)\n[exit code 3]");
    expect(failing.events).toEqual([
      { kind: "command", command: "exit 3", exitCode: 3, timedOut: false, durationMs: expect.any(Number) },
    ]);
    for (const event of [...ok.events, ...failing.events])
      expect(toolEventSchema.parse(event)).toEqual(event);
  });

  it("stops a command at its time limit and says so", async () => {
    const tools = await toolbox({}, { limits: { commandTimeoutMs: 300 } });
    const { result, events } = await tools.dispatch(bash("sleep 5"));
    expect(result.is_error).toBe(true);
    expect(result.content).toContain("[the command ran past its limit of 300 ms and was stopped]");
    expect(events[0]).toMatchObject({ kind: "command", timedOut: true });
  });

  it("keeps the start and the end of a long command output", async () => {
    const tools = await toolbox({}, { limits: { maxOutputChars: 500 } });
    const { result } = await tools.dispatch(bash("seq 1 2000"));
    const content = String(result.content);
    expect(content.startsWith("1\n2\n3\n")).toBe(true);
    expect(content).toContain("characters in the middle not shown");
    expect(content.endsWith("1999\n2000\n[exit code 0]")).toBe(true);
  });

  it("turns a sandbox that cannot start into a clear tool error, never a crash", async () => {
    const runner = refusingRunner(
      "the sandbox cannot start: bwrap is not installed (apt-get install bubblewrap)",
    );
    const tools = await toolbox({}, { runner });
    const { result, events } = await tools.dispatch(bash("npm test"));
    expect(result).toMatchObject({
      is_error: true,
      content:
        "the command was not run: the sandbox cannot start: bwrap is not installed (apt-get install bubblewrap)",
    });
    expect(runner.requests).toEqual([
      {
        dir: expect.any(String),
        command: "npm test",
        timeoutMs: 600_000,
        outputCapBytes: 1048576,
        network: "none",
      },
    ]);
    expect(events).toEqual([
      { kind: "refused", tool: "bash", target: "npm test", reason: String(result.content) },
    ]);
  });

  it("runs only the operator's allowed commands when security.allowed_commands narrows them", async () => {
    const tools = await toolbox({}, { allowedCommands: ["echo", "npm test"] });
    const ok = await tools.dispatch(bash("echo allowed"));
    expect(ok.result.content).toBe("allowed\n[exit code 0]");
    for (const command of [
      "ls",
      "echo a; ls",
      "echo a && ls",
      "echo $(ls)",
      "echo `ls`",
      "echo a | sh",
      "echo a\nls",
      "echoes",
    ]) {
      const refused = await tools.dispatch(bash(command));
      expect(refused.result.is_error).toBe(true);
      expect(refused.result.content).toMatch(
        /^this command is not allowed here: the operator limits commands to echo, npm test \(security\.allowed_commands\)/,
      );
    }
  });

  it("answers a restart without pretending a session survives between commands", async () => {
    const tools = await toolbox({});
    const { result } = await tools.dispatch({ id: "toolu_r", name: "bash", input: { restart: true } });
    expect(result.is_error).toBeUndefined();
    expect(result.content).toMatch(/fresh shell in the repository root/);
  });

  it("searches tracked and untracked files, never showing a blocked file's lines", async () => {
    const tools = await toolbox({
      "src/a.ts": "export function computeTotal() {}\n",
      "src/b.ts": "import { computeTotal } from './a';\ncomputeTotal();\n",
      ".env": "computeTotal=ghs_secret\n",
      "keys/dev.pem": "computeTotal\n",
    });
    const { result, events } = await tools.dispatch(search({ pattern: "computeTotal" }));
    expect(String(result.content).split("\n")).toEqual([
      "src/a.ts:1:export function computeTotal() {}",
      "src/b.ts:1:import { computeTotal } from './a';",
      "src/b.ts:2:computeTotal();",
    ]);
    expect(events).toEqual([{ kind: "search", pattern: "computeTotal", matches: 3 }]);
  });

  it("caps search results with a note, reads regular expressions, and says when nothing matches", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `item_${i}`).join("\n");
    const tools = await toolbox({ "list.txt": lines, "other/x.txt": "item_99 'quoted' $(echo no)\n" });
    const capped = await tools.dispatch(search({ pattern: "item_", max_results: 5 }));
    const content = String(capped.result.content).split("\n");
    expect(content).toHaveLength(6);
    expect(content.at(-1)).toBe(
      "[26 more matching lines not shown: narrow the search with path or a more specific pattern]",
    );
    const regex = await tools.dispatch(search({ pattern: "item_9+ '", regex: true, path: "other" }));
    expect(regex.result.content).toBe("other/x.txt:1:item_99 'quoted' $(echo no)");
    const quoted = await tools.dispatch(search({ pattern: "$(echo no)" }));
    expect(quoted.result.content).toBe("other/x.txt:1:item_99 'quoted' $(echo no)");
    const none = await tools.dispatch(search({ pattern: "absent-thing" }));
    expect(none.result).toMatchObject({ content: 'No matches for "absent-thing".' });
    const bad = await tools.dispatch(search({ pattern: "(", regex: true }));
    expect(bad.result.is_error).toBe(true);
    expect(bad.result.content).toMatch(/^the search failed: .*Unmatched/);
  });

  it("scrubs the app's live secrets from every result, including ones added after the toolbox was built", async () => {
    const secrets: string[] = [];
    const tools = await toolbox({ "notes.txt": "token: ghs_live_token_value_1234\n" }, { secrets });
    secrets.push("ghs_live_token_value_1234");
    const viewed = await tools.dispatch(editor({ command: "view", path: "notes.txt" }));
    expect(viewed.result.content).toBe("     1\ttoken: [Redacted]");
    const ran = await tools.dispatch(bash("cat notes.txt"));
    expect(ran.result.content).toBe("token: [Redacted]\n[exit code 0]");
  });

  it("shows no token the model typed in the events the progress comment lists, even where a long line is cut", async () => {
    // Built at run time so no scanner mistakes this file for a leak.
    const token = `ghs_${"Zx4Kb8Nv3Hc6Jm1Wd5Fs0Gyq7Rt2Lp9".repeat(2).slice(0, 36)}`;
    const tools = await toolbox({ "a.txt": "a\n" });
    // The token straddles the 200th character, where an event's command is cut.
    const command = `echo ${"x".repeat(170)} ${token} > out.txt`;
    const ran = await tools.dispatch(bash(command));
    const searched = await tools.dispatch(search({ pattern: token }));
    const refused = await tools.dispatch(editor({ command: "view", path: `/etc/${token}` }));
    const events = [...ran.events, ...searched.events, ...refused.events];
    expect(events.map((e) => e.kind)).toEqual(["command", "search", "refused"]);
    const shown = JSON.stringify(events);
    expect(shown).not.toContain(token.slice(0, 12));
    expect(shown).toContain("[Redacted]");
    expect(ran.events[0]).toMatchObject({ command: `echo ${"x".repeat(170)} [Redacted] > out.txt` });
  });
});
