/**
 * What the simulated Claude answers in the sample run, turn by turn: view the file, fix it, run the
 * test, end the turn with a summary; then the pull request's title and body for the `describe_pr` step.
 * Each answer has the fields of a recorded Messages API response (test/fixtures/anthropic/
 * messages.tool_use.json: id, type, role, model, content, stop_reason, stop_sequence, usage); the
 * scripted server computes the input and cache tokens from each request.
 */
import { defaultModel } from "../../src/ai/model-deprecations.ts";
import type { ScriptStep } from "../stand-ins/scripted-anthropic/server.ts";

export interface ScriptedTurn {
  /** What the turn does, in words, for the demo's narration. */
  caption: string;
  step: ScriptStep;
}

type Block = Record<string, unknown>;

let answers = 0;
function answer(content: Block[], stopReason: "tool_use" | "end_turn", outputTokens: number): ScriptStep {
  answers += 1;
  return {
    reply: {
      model: defaultModel,
      id: `msg_sample_${String(answers).padStart(4, "0")}`,
      type: "message",
      role: "assistant",
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: {
        input_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        output_tokens: outputTokens,
        service_tier: "standard",
      },
    },
  };
}

const toolUse = (id: string, name: string, input: Block): Block => ({ type: "tool_use", id, name, input });
const editor = "str_replace_based_edit_tool";

/** The sample's whole conversation, with fresh message ids each time (one run's worth). */
export function sampleConversation(): ScriptedTurn[] {
  return [
    {
      caption: "views greeting.txt",
      step: answer(
        [toolUse("toolu_sample_1", editor, { command: "view", path: "greeting.txt" })],
        "tool_use",
        48,
      ),
    },
    {
      caption: 'replaces "wrld" with "world" in greeting.txt',
      step: answer(
        [
          toolUse("toolu_sample_2", editor, {
            command: "str_replace",
            path: "greeting.txt",
            old_str: "wrld",
            new_str: "world",
          }),
        ],
        "tool_use",
        72,
      ),
    },
    {
      caption: "runs `sh test.sh` in the sandbox",
      step: answer([toolUse("toolu_sample_3", "bash", { command: "sh test.sh" })], "tool_use", 40),
    },
    {
      caption: "ends its turn with a summary",
      step: answer(
        [{ type: "text", text: "Fixed the typo in greeting.txt; `sh test.sh` passes." }],
        "end_turn",
        24,
      ),
    },
    {
      caption: "writes the pull request's title and description",
      step: answer(
        [
          {
            type: "text",
            text: JSON.stringify({
              title: "Fix the greeting's typo",
              body: "## What\nFixes the typo.\n\n## Why\nThe test failed.",
            }),
          },
        ],
        "end_turn",
        60,
      ),
    },
  ];
}
