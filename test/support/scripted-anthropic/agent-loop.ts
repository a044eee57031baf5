import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  ToolUnion,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { CallContext, CallResult, ModelClient } from "../../../src/ai/client.ts";
import type { ScriptedConversation } from "./fixtures.ts";

/**
 * The smallest agent loop: send the task, answer each tool_use with the conversation's scripted tool
 * result, until the model ends its turn. Later agent tests use the real agent; this one drives the
 * client for the client's own tests and the cache bench.
 */
export async function runScriptedAgent(
  client: ModelClient,
  conversation: ScriptedConversation,
  context: Omit<CallContext, "idempotencyKey" | "step">,
  options: { stream?: boolean; maxTokens?: number } = {},
): Promise<CallResult[]> {
  const system: TextBlockParam[] = [
    { type: "text", text: conversation.system },
    { type: "text", text: conversation.context },
  ];
  const messages: MessageParam[] = [{ role: "user", content: conversation.task }];
  const results: CallResult[] = [];
  for (let turn = 1; turn <= conversation.turns.length; turn += 1) {
    const request = {
      model: conversation.model,
      maxTokens: options.maxTokens ?? 1024,
      system,
      tools: conversation.tools as unknown as ToolUnion[],
      messages,
    };
    const ctx = { ...context, step: "agent", idempotencyKey: `${context.runId}:agent:turn-${turn}` };
    const result = options.stream ? await client.stream(request, ctx) : await client.create(request, ctx);
    results.push(result);
    messages.push({ role: "assistant", content: result.message.content as unknown as ContentBlockParam[] });
    const calls = result.message.content.filter((b) => b.type === "tool_use");
    if (calls.length === 0) break;
    messages.push({
      role: "user",
      content: calls.map((call) => ({
        type: "tool_result" as const,
        tool_use_id: call.id,
        content: conversation.toolResults[call.id] ?? "no scripted result",
      })),
    });
  }
  return results;
}
