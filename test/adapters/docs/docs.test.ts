import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { docsConfigSchema } from "../../../adapters/docs/config.ts";
import { docsDocumentation } from "../../../adapters/docs/index.ts";
import { callContext } from "../github/harness.ts";

const worktree = () => mkdtempSync(path.join(tmpdir(), "ai-dev-docs-"));

describe("docs documentation provider", () => {
  it("writes the page as Markdown named by the title's slug, and a second run rewrites the same file", async () => {
    const dir = worktree();
    const docs = docsDocumentation({
      settings: docsConfigSchema.parse({ directory: "docs/ai" }),
      worktree: dir,
    });
    const first = await docs.update_page(
      { title: "Checkout v2: Design!", content: "Pay by card." },
      callContext(),
    );
    expect(first).toEqual({
      page_id: "checkout-v2-design.md",
      url: "docs/ai/checkout-v2-design.md",
      created: true,
    });
    expect(readFileSync(path.join(dir, "docs/ai/checkout-v2-design.md"), "utf8")).toBe(
      "# Checkout v2: Design!\n\nPay by card.\n",
    );
    const second = await docs.update_page(
      { title: "Checkout v2: Design!", content: "# New\n\nv2" },
      callContext(),
    );
    expect(second.created).toBe(false);
    expect(readFileSync(path.join(dir, "docs/ai/checkout-v2-design.md"), "utf8")).toBe("# New\n\nv2\n");
  });

  it("refuses a directory or a page id that leaves the worktree", async () => {
    const dir = worktree();
    const outside = docsDocumentation({ settings: { directory: "../elsewhere" }, worktree: dir });
    await expect(outside.update_page({ title: "T", content: "x" }, callContext())).rejects.toMatchObject({
      code: "docs_outside_worktree",
    });
    const docs = docsDocumentation({ settings: { directory: "docs" }, worktree: dir });
    await expect(
      docs.update_page({ title: "T", content: "x", page_id: "../../etc/passwd.md" }, callContext()),
    ).rejects.toMatchObject({ code: "docs_outside_worktree" });
  });

  it("refuses a docs directory that is a symlink out of the worktree", async () => {
    const dir = worktree();
    symlinkSync(worktree(), path.join(dir, "docs"));
    const docs = docsDocumentation({ settings: { directory: "docs" }, worktree: dir });
    await expect(docs.update_page({ title: "T", content: "x" }, callContext())).rejects.toMatchObject({
      code: "docs_outside_worktree",
    });
  });
});
