import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSchemas } from "../../scripts/json-schemas.ts";

describe("JSON Schemas for editors", () => {
  it.each(Object.entries(jsonSchemas()))(
    "schemas/%s matches the zod schema (run `npm run schema`)",
    (file, schema) => {
      const committed = JSON.parse(
        readFileSync(path.join(import.meta.dirname, "..", "..", "schemas", file), "utf8"),
      );
      expect(committed).toEqual(schema);
    },
  );

  it("documents the limits a user sets", () => {
    const schema = jsonSchemas()["ai-dev.config.schema.json"] as {
      properties: { limits: { properties: Record<string, { description?: string; default?: unknown }> } };
    };
    expect(schema.properties.limits.properties.monthly_budget).toMatchObject({ default: 500 });
    expect(schema.properties.limits.properties.monthly_budget?.description).toMatch(/dollars/);
  });
});
