import { anthropicFixture } from "./fixtures.ts";

/**
 * Turns of a scripted agent in the recorded message shape (messages.tool_use.json), with this turn's
 * content: an edit with the editor tool, or the final words.
 */
export function agentTurns(prefix: string) {
  let answers = 0;
  const answer = (content: Record<string, unknown>[], stop: "tool_use" | "end_turn") => {
    answers += 1;
    return {
      ...anthropicFixture("messages.tool_use.json"),
      id: `msg_${prefix}_${String(answers).padStart(4, "0")}`,
      content,
      stop_reason: stop,
    };
  };
  return {
    /** One turn that replaces `from` with `to` in `file`. */
    edit: (file: string, from: string, to: string) => ({
      reply: answer(
        [
          {
            type: "tool_use",
            id: `toolu_${prefix}_${answers + 1}`,
            name: "str_replace_based_edit_tool",
            input: { command: "str_replace", path: file, old_str: from, new_str: to },
          },
        ],
        "tool_use",
      ),
    }),
    /** The agent's last turn: its summary. */
    text: (words: string) => ({ reply: answer([{ type: "text", text: words }], "end_turn") }),
  };
}
