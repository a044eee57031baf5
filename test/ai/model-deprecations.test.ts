import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { providerConfigSchemas } from "../../adapters/config-schemas.ts";
import {
  currentModels,
  modelVerdict,
  parseEndOfLife,
  readSdkDeprecationTable,
  sdkDeprecationTable,
} from "../../src/ai/model-deprecations.ts";
import { builtInPrices } from "../../src/ai/pricing-table.ts";
import { loadAppConfig } from "../../src/config/load.ts";
import { appConfigSchema } from "../../src/config/schema.ts";
import { formatSourceIssue, SourceValidationError } from "../../src/validation/yaml-source.ts";
import { writeTempConfig } from "../config/temp-config.ts";
import { cleanEnv, spawnCli } from "../support/cli.ts";

const before = () => new Date("2026-11-01T09:00:00Z");
const after = () => new Date("2026-12-01T09:00:00Z");

describe("the SDK's model deprecation table", () => {
  it("is read from the installed @anthropic-ai/sdk, with claude-sonnet-4-5 ending on 2026-11-30", () => {
    // Fails when an SDK update moves or reshapes the table: then model-deprecations.ts needs its new place.
    const table = sdkDeprecationTable();
    expect(table.unavailable).toBeUndefined();
    expect(table.models.get("claude-sonnet-4-5")).toEqual({
      endOfLifeText: "November 30th, 2026",
      endOfLife: new Date("2026-11-30T00:00:00Z"),
    });
    for (const [model, entry] of table.models)
      expect({ model, date: entry.endOfLife }).not.toEqual({ model, date: undefined });
  });

  it("is empty with a reason, not a crash, when the SDK has no such file", () => {
    const table = readSdkDeprecationTable("/nonexistent/sdk");
    expect(table.models.size).toBe(0);
    expect(table.unavailable).toMatch(/no deprecated-models table in \/nonexistent\/sdk/);
  });

  it("reads the SDK's date style and ISO dates, and nothing else", () => {
    expect(parseEndOfLife("January 22nd, 2027")).toEqual(new Date("2027-01-22T00:00:00Z"));
    expect(parseEndOfLife("June 1st, 2026")).toEqual(new Date("2026-06-01T00:00:00Z"));
    expect(parseEndOfLife("2026-11-30")).toEqual(new Date("2026-11-30T00:00:00Z"));
    expect(parseEndOfLife("Februar 30th, 2026")).toBeUndefined();
    expect(parseEndOfLife("February 30th, 2026")).toBeUndefined();
  });

  it("names current, priced replacements that are not themselves deprecated", () => {
    const table = sdkDeprecationTable();
    for (const model of Object.values(currentModels)) {
      expect(builtInPrices[model], model).toBeDefined();
      expect(table.models.has(model), model).toBe(false);
    }
  });
});

describe("the configured model at start", () => {
  it("defaults to a current model that the price table prices", () => {
    const model = appConfigSchema.parse({}).ai_provider.model;
    expect(model).toBe("claude-sonnet-5-5");
    expect(builtInPrices[model]).toBeDefined();
    expect(modelVerdict(model, "ai_provider.model", after(), sdkDeprecationTable())).toEqual({
      status: "current",
    });
    expect(loadAppConfig({ env: {}, cwd: "/nonexistent", clock: after }).warnings).toEqual([]);
  });

  it("warns about a deprecated model before its end of life", () => {
    const file = writeTempConfig("ai_provider:\n  model: claude-opus-4-5\n");
    const loaded = loadAppConfig({ env: {}, file, clock: before, providerSchemas: providerConfigSchemas });
    expect(loaded.config.ai_provider.model).toBe("claude-opus-4-5");
    expect(loaded.warnings).toEqual([
      "ai_provider.model claude-opus-4-5 is deprecated and reaches its end of life on 2027-01-22: move to claude-opus-4-8 before then",
    ]);
  });

  it("refuses a model past its end of life, at its line, naming the replacement", () => {
    const file = writeTempConfig("system: { name: x }\nai_provider:\n  model: claude-sonnet-4-5\n");
    let problems: string[] = [];
    try {
      loadAppConfig({ env: {}, file, clock: after, providerSchemas: providerConfigSchemas });
    } catch (error) {
      if (!(error instanceof SourceValidationError)) throw error;
      problems = error.issues.map(formatSourceIssue);
    }
    expect(problems).toEqual([
      expect.stringMatching(
        /:3:10 ai_provider\.model: claude-sonnet-4-5 reached its end of life on 2026-11-30 .*use claude-sonnet-5-5 instead/,
      ),
    ]);
  });

  it("refuses a retired model given by AI_DEV_MODEL, with no file", () => {
    expect(() =>
      loadAppConfig({
        env: { AI_DEV_MODEL: "claude-sonnet-4-5-20250929" },
        cwd: "/nonexistent",
        clock: after,
      }),
    ).toThrow(
      /environment ai_provider\.model: .*claude-sonnet-4-5-20250929 reached its end of life.*or AI_DEV_MODEL/,
    );
  });

  it("stops `ai-dev start` with the replacement named, before anything listens", async () => {
    // The real clock: claude-sonnet-4-5's end of life (2026-11-30) is behind every run of this test.
    const dataDir = mkdtempSync(path.join(tmpdir(), "ai-dev-model-"));
    const child = spawnCli(
      ["start"],
      cleanEnv({ AI_DEV_MODEL: "claude-sonnet-4-5", PORT: "0", DATA_DIR: dataDir }),
    );
    let output = "";
    child.stdout?.on("data", (d) => {
      output += String(d);
    });
    child.stderr?.on("data", (d) => {
      output += String(d);
    });
    // An app that starts instead of refusing is stopped, so the test fails rather than hangs.
    const stopper = setTimeout(() => child.kill("SIGKILL"), 80_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(stopper);
    expect(code).toBe(1);
    expect(output).toMatch(
      /ai_provider\.model: claude-sonnet-4-5 reached its end of life on 2026-11-30 .*use claude-sonnet-5-5 instead/,
    );
  }, 90_000);
});
