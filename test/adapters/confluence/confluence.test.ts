import { readFileSync } from "node:fs";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { confluenceConfigSchema } from "../../../adapters/confluence/config.ts";
import { confluenceDocumentation } from "../../../adapters/confluence/index.ts";
import { markdownToStorage } from "../../../adapters/confluence/storage-format.ts";
import { callContext, recordingSleep } from "../github/harness.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/confluence/${name}`, import.meta.url), "utf8"));

const site = "https://your-domain.atlassian.net";
const settings = confluenceConfigSchema.parse({
  connection: { url: site, email: "bot@example.com", api_token: "confluence-token-for-tests" },
  space_key: "DEV",
  parent_page_id: "65536",
});
const basic = `Basic ${Buffer.from("bot@example.com:confluence-token-for-tests").toString("base64")}`;
const search = { spaceKey: "DEV", title: "Checkout v2 design", type: "page", expand: "version" };
const content = "# Checkout v2\n\nPay **by card**.\n\n- fast\n- safe";
const storage = "<h1>Checkout v2</h1><p>Pay <strong>by card</strong>.</p><ul><li>fast</li><li>safe</li></ul>";

describe("Confluence documentation", () => {
  it("creates the page under the configured space and parent when no page has the title", async () => {
    const bodies: unknown[] = [];
    const scope = nock(site)
      .matchHeader("authorization", basic)
      .get("/wiki/rest/api/content")
      .query(search)
      .reply(200, fixture("search.empty.json"))
      .post("/wiki/rest/api/content", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(200, fixture("page.created.json"));
    const result = await confluenceDocumentation({ settings }).update_page(
      { title: "Checkout v2 design", content },
      callContext(),
    );
    expect(result).toEqual({
      page_id: "65611",
      url: `${site}/wiki/spaces/DEV/pages/65611/Checkout+v2+design`,
      created: true,
    });
    expect(bodies).toEqual([
      {
        type: "page",
        title: "Checkout v2 design",
        space: { key: "DEV" },
        ancestors: [{ id: "65536" }],
        body: { storage: { value: storage, representation: "storage" } },
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it("updates the page found by title with the next version number instead of adding a duplicate", async () => {
    const bodies: unknown[] = [];
    nock(site)
      .get("/wiki/rest/api/content")
      .query(search)
      .reply(200, fixture("search.found.json"))
      .put("/wiki/rest/api/content/65611", (body) => {
        bodies.push(body);
        return true;
      })
      .reply(200, fixture("page.updated.json"));
    const result = await confluenceDocumentation({ settings }).update_page(
      { title: "Checkout v2 design", content },
      callContext(),
    );
    expect(result.created).toBe(false);
    expect(bodies).toEqual([
      {
        id: "65611",
        type: "page",
        title: "Checkout v2 design",
        version: { number: 4 },
        body: { storage: { value: storage, representation: "storage" } },
      },
    ]);
  });

  it("converts code blocks and links, and escapes everything else", () => {
    expect(
      markdownToStorage("```ts\nif (a < b) x();\n```\n\nSee [docs](https://x.dev/?a=1&b=2) <script>"),
    ).toBe(
      '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">ts</ac:parameter><ac:plain-text-body><![CDATA[if (a < b) x();]]></ac:plain-text-body></ac:structured-macro>' +
        '<p>See <a href="https://x.dev/?a=1&amp;b=2">docs</a> &lt;script&gt;</p>',
    );
    expect(markdownToStorage("[x](javascript:alert(1))")).not.toContain("<a ");
  });

  it("answers 401 with the credentials to check, and 404 for a missing space", async () => {
    nock(site).get("/wiki/rest/api/content").query(true).reply(401, { message: "Unauthorized" });
    const docs = confluenceDocumentation({ settings, configFile: "plugins/confluence.config.yaml" });
    const unauthorized = await docs.update_page({ title: "T", content: "x" }, callContext()).catch((e) => e);
    expect(unauthorized.code).toBe("confluence_unauthorized");
    expect(unauthorized.message).toContain(
      "connection.email and connection.api_token in plugins/confluence.config.yaml",
    );
    nock(site).get("/wiki/rest/api/content").query(true).reply(404, fixture("error.not-found.json"));
    const missing = await docs
      .update_page({ title: "T", content: "x", space: "NOPE" }, callContext())
      .catch((e) => e);
    expect(missing.code).toBe("confluence_not_found");
    expect(missing.message).toContain("No space with key : NOPE");
  });

  it("waits out a 429's Retry-After, then goes on", async () => {
    const { waits, sleep } = recordingSleep();
    nock(site)
      .get("/wiki/rest/api/content")
      .query(search)
      .reply(429, {}, { "Retry-After": "2" })
      .get("/wiki/rest/api/content")
      .query(search)
      .reply(200, fixture("search.found.json"))
      .put("/wiki/rest/api/content/65611")
      .reply(200, fixture("page.updated.json"));
    const result = await confluenceDocumentation({ settings, sleep }).update_page(
      { title: "Checkout v2 design", content },
      callContext(),
    );
    expect(result.page_id).toBe("65611");
    expect(waits).toEqual([2000]);
  });
});
