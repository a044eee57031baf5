import { z } from "zod";
import { repoConfigSchema } from "../src/config/repo-config.ts";
import { appConfigSchema } from "../src/config/schema.ts";
import { workflowSchema } from "../src/engine/workflow-schema.ts";

/**
 * The JSON Schemas editors use for completion and checking, generated from the zod schemas (the source
 * of truth). `io: "input"` describes what a person writes: fields with defaults are optional.
 */
export function jsonSchemas(): Record<string, unknown> {
  const generate = (schema: z.ZodType, id: string) => ({
    ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
    $id: id,
  });
  return {
    "ai-dev.config.schema.json": generate(appConfigSchema, "ai-dev.config.schema.json"),
    "repo-config.schema.json": generate(repoConfigSchema, "repo-config.schema.json"),
    "workflow.schema.json": generate(workflowSchema, "workflow.schema.json"),
  };
}
