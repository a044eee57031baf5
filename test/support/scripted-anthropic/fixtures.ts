import { readFileSync } from "node:fs";
import path from "node:path";
import type { ScriptStep } from "../../../demo/stand-ins/scripted-anthropic/server.ts";

const fixtureDir = path.join(import.meta.dirname, "..", "..", "fixtures", "anthropic");

type Json = Record<string, unknown>;

/** A recorded payload from test/fixtures/anthropic (see its README for sources). */
export function anthropicFixture(name: string): Json {
  return JSON.parse(readFileSync(path.join(fixtureDir, name), "utf8")) as Json;
}

export function anthropicFixtureText(name: string): string {
  return readFileSync(path.join(fixtureDir, name), "utf8");
}

export interface ScriptedConversation {
  description: string;
  model: string;
  system: string;
  /** Repository context sent as a second system block (stable for the run). */
  context: string;
  tools: Json[];
  task: string;
  /** The model's answers, turn by turn. */
  turns: Json[];
  /** What each tool call returns, by tool_use id. */
  toolResults: Record<string, string>;
}

export function scriptedConversation(name: string): ScriptedConversation {
  return JSON.parse(
    readFileSync(path.join(fixtureDir, "conversations", name), "utf8"),
  ) as ScriptedConversation;
}

export function replies(conversation: ScriptedConversation): ScriptStep[] {
  return conversation.turns.map((reply) => ({ reply }));
}
