import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildStartingContext } from "../../src/context/index.ts";
import { textTokens } from "../../src/context/text-tokens.ts";
import { repoRoot } from "../support/cli.ts";
import { repoFrom, type TempRepo } from "./temp-repo.ts";

/**
 * The map's quality as the issue measures it: on real code, with a task written like the real bug
 * report, the file the upstream fix touched ranks in the top 5, and the whole starting context fits
 * its token budget. The code is copied from packages installed on this machine into a fresh git repo.
 */
const packageDir = (name: string) => path.join(repoRoot, "node_modules", name);
const distPackages = "/usr/lib/python3/dist-packages";
const budget = 6_000;
const repos: TempRepo[] = [];
afterAll(() => {
  for (const repo of repos) repo.remove();
});

async function topFiles(repo: TempRepo, task: Parameters<typeof buildStartingContext>[0]["task"]) {
  const context = await buildStartingContext({ repoDir: repo.dir, task, tokens: budget });
  expect(context.tokens).toBeLessThanOrEqual(budget);
  expect(textTokens(context.text)).toBe(context.tokens);
  return { context, top5: context.files.slice(0, 5).map((file) => file.path) };
}

describe("the repository map on real code", () => {
  it("ranks zod's JSON Schema processors in the top 5 for colinhacks/zod#4697 (TypeScript)", async () => {
    const repo = repoFrom([{ from: path.join(packageDir("zod"), "src"), into: "src" }]);
    repos.push(repo);
    const { context, top5 } = await topFiles(repo, {
      title: "[v4]: .default breaks optional fields in json schema",
      body: [
        "When using the z.toJSONSchema optional fields will be marked as required when using the .default on this field.",
        "",
        "```ts",
        "z.toJSONSchema(z.object({ test: z.string().optional().default('abc') }))",
        "```",
        "will result in `required: [ 'test' ]`, `additionalProperties: false`.",
        "Even though test is not required, because its marked as optional.",
      ].join("\n"),
      comments: [],
    });
    // The fix (colinhacks/zod#5532) changed how objectProcessor fills `required`.
    expect(top5).toContain("src/v4/core/json-schema-processors.ts");
    expect(context.text).toContain("src/v4/core/json-schema-processors.ts:");
  }, 180_000);

  it("ranks the Anthropic SDK's client.ts in the top 5 for anthropics/anthropic-sdk-typescript#357 (TypeScript)", async () => {
    const repo = repoFrom([{ from: path.join(packageDir("@anthropic-ai/sdk"), "src"), into: "src" }]);
    repos.push(repo);
    const { top5 } = await topFiles(repo, {
      title: "retry-after header missing from response",
      body: [
        "If there's no `retry-after` or `retry-after-ms` response header, the library should create one from the greater value of the `anthropic-ratelimit-requests-reset` and `anthropic-ratelimit-tokens-reset` headers (if both `anthropic-ratelimit-requests-remaining` and `anthropic-ratelimit-tokens-remaining` are zero).",
        "```",
        "{ 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2024-03-26T20:00:00Z', 'x-should-retry': 'true' }",
        "```",
      ].join("\n"),
      comments: [],
    });
    // The proposed fix (anthropics/anthropic-sdk-typescript#358) changed the retry logic, in src/client.ts today.
    expect(top5).toContain("src/client.ts");
  }, 180_000);

  it("ranks yaml's foldFlowLines in the top 5 for eemeli/yaml#562 (JavaScript)", async () => {
    const repo = repoFrom([
      { from: path.join(packageDir("yaml"), "dist"), into: "dist", filter: (f) => !f.endsWith(".d.ts") },
    ]);
    repos.push(repo);
    const { top5 } = await topFiles(repo, {
      title: "`doc.toString` generates incorrect whitespace if `lineWidth` < 22",
      body: [
        "When serializing a blockquote with a line width of 21 or less, it is prefixed with additional whitespace.",
        "```js",
        "import {parseDocument} from 'yaml'",
        "let yaml = `comments: >\\n  test test test test test test`",
        "for (let i = 0; i < 10; i++) {",
        "  const doc = parseDocument(yaml)",
        "  yaml = doc.toString({ lineWidth: 21 })",
        "}",
        "```",
        "Expected: serializing and parsing again produces the same document; true for 22, not for 21.",
      ].join("\n"),
      comments: [
        {
          author: "eemeli",
          body: "Confirming, the serialization adds an extra initial newline for folded block scalars (`>`) when the `lineWidth` + indent is less than `minContentWidth` (by default 20).",
        },
      ],
    });
    expect(top5).toContain("dist/stringify/foldFlowLines.js");
  }, 180_000);

  const pyjwt = path.join(distPackages, "jwt");
  it.skipIf(!existsSync(pyjwt))(
    "ranks PyJWT's jwks_client.py first for jpadilla/pyjwt#1013 (Python)",
    async () => {
      const repo = repoFrom([{ from: pyjwt, into: "jwt" }]);
      repos.push(repo);
      const { top5 } = await topFiles(repo, {
        title: "PyJWKClient.fetch_data lets http.client.IncompleteRead escape",
        body: "When the JWKS endpoint drops the connection mid-response, `json.load(response)` raises `http.client.IncompleteRead`. `fetch_data()` only catches `URLError`, so the raw stdlib exception escapes instead of the `PyJWKClientError` the docstring promises.",
        comments: [],
      });
      expect(top5[0]).toBe("jwt/jwks_client.py");
    },
    180_000,
  );

  const pip = path.join(distPackages, "pip");
  it.skipIf(!existsSync(pip) || !statSync(pip).isDirectory())(
    "ranks pip's models/wheel.py in the top 5 for pypa/pip#12914 (Python, ~500 files)",
    async () => {
      const repo = repoFrom([{ from: pip, into: "pip" }]);
      repos.push(repo);
      const { top5 } = await topFiles(repo, {
        title: "pip accepts non-PEP440 version `0.1_1`",
        body: [
          "I wanted to replace pip's custom wheel filename regex with the standard `parse_wheel_filename` from packaging.",
          "However I found that the old regex accepts non-PEP440 syntax and it is even tested for. The version `0.1_1` gets coerced by pip to `0.1-1`, whose canonical form is `0.1.post1`.",
          "Expected: pip shouldn't implement its own wheel filename parsing.",
          "To reproduce: install a wheel named `simple-0.1_1-py2-none-any.whl`.",
        ].join("\n"),
        comments: [{ author: "pradyunsg", body: "This sounds like a good change to me." }],
      });
      expect(top5).toContain("pip/_internal/models/wheel.py");
    },
    240_000,
  );
});
