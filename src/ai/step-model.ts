import type { TextBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { z } from "zod";
import {
  type ModelPort,
  type ModelStepRequest,
  type ModelStepResult,
  markPaidFailure,
} from "../engine/model-port.ts";
import { UserFacingError } from "../errors.ts";
import type { ModelClient } from "./client.ts";

export interface StepModelOptions {
  client: ModelClient;
  /** The budget scopes of a run (see src/budget/scopes.ts); the run's budgets are opened before it starts. */
  scopesFor: (runId: string) => readonly string[];
  defaultMaxTokens?: number;
}

/** The engine's ModelPort for `ai_action` steps, over the budgeted model client. */
export class StepModel implements ModelPort {
  constructor(private readonly options: StepModelOptions) {}

  async complete(request: ModelStepRequest): Promise<ModelStepResult> {
    // The schema goes in its own system block after the instructions: both are stable, so both cache.
    const system: TextBlockParam[] = [{ type: "text", text: request.system }];
    if (request.jsonSchema) {
      system.push({
        type: "text",
        text:
          "Answer with one JSON value and nothing else (no prose, no code fence). It must match this JSON Schema:\n" +
          JSON.stringify(request.jsonSchema),
      });
    }
    const result = await this.options.client.create(
      {
        model: request.model,
        maxTokens: request.maxTokens ?? this.options.defaultMaxTokens ?? 4096,
        system,
        messages: [{ role: "user", content: request.prompt }],
      },
      {
        runId: request.runId,
        step: request.stepName,
        idempotencyKey: request.idempotencyKey,
        scopes: this.options.scopesFor(request.runId),
        signal: request.signal,
        fallbackModel: request.fallbackModel,
      },
    );
    const text = result.message.content
      .flatMap((block) => (block.type === "text" ? [block.text] : []))
      .join("")
      .trim();
    const answer: ModelStepResult = {
      text,
      model: result.model,
      usage: {
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        cacheCreationInputTokens: result.usage.cacheWrite5mTokens + result.usage.cacheWrite1hTokens,
        cacheReadInputTokens: result.usage.cacheReadTokens,
      },
      costUsd: result.costUsd,
    };
    if (request.jsonSchema) {
      try {
        answer.json = parseStructuredAnswer(text, request.jsonSchema, request.stepName);
      } catch (error) {
        // The call was paid for: the step counts its cost even though its answer is unusable.
        throw markPaidFailure(error, result.costUsd);
      }
    }
    return answer;
  }
}

/** The model's JSON, checked against the step's schema; anything else fails the step with the reason. */
export function parseStructuredAnswer(
  text: string,
  jsonSchema: Record<string, unknown>,
  stepName: string,
): unknown {
  // Models sometimes fence JSON despite being told not to: accept exactly one fenced block.
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(text);
  const body = fenced?.[1] ?? text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (cause) {
    throw new UserFacingError(
      "invalid_model_output",
      `Step "${stepName}": the model's answer is not JSON (it starts with ${JSON.stringify(body.slice(0, 60))}). ` +
        "Retry the step; if it keeps happening, make the step's prompt ask for JSON only.",
      { cause },
    );
  }
  const schema = z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]);
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const problems = checked.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
      .join("; ");
    throw new UserFacingError(
      "invalid_model_output",
      `Step "${stepName}": the model's JSON does not match the step's schema: ${problems}. Retry the step, or loosen its json_schema.`,
    );
  }
  return checked.data;
}
