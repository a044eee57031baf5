import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { repoFrom } from "./temp-repo.ts";

const repoFiles = {
  "app/models/cart.py":
    "class Cart:\n    def add_item(self, sku, quantity):\n        self.items.append((sku, quantity))\n\n    def checkout_total(self):\n        return sum(q for _, q in self.items)\n",
  "app/views/cart_view.py":
    "from app.models.cart import Cart\n\ndef render_cart(cart: Cart):\n    return cart.checkout_total()\n",
  "web/src/cart-badge.tsx":
    "export function CartBadge({ count }: { count: number }) {\n  return <span>{count}</span>;\n}\n",
  "README.md": "# shop\n",
};

describe("ai-dev context", () => {
  it("--json prints the ranked files best first and the token count, within --tokens", async () => {
    const repo = repoFrom([], repoFiles);
    const taskDir = mkdtempSync(path.join(tmpdir(), "ai-dev-task-"));
    try {
      const taskFile = path.join(taskDir, "task.json");
      writeFileSync(
        taskFile,
        JSON.stringify({
          title: "checkout_total ignores quantity",
          body: "Cart.checkout_total() returns the wrong sum.",
          comments: [{ author: "ana", body: "Seen in render_cart too." }],
        }),
      );
      const result = await runCli([
        "context",
        "--repo",
        repo.dir,
        "--task",
        taskFile,
        "--tokens",
        "1500",
        "--json",
      ]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const output = JSON.parse(result.stdout) as {
        files: { path: string; score: number }[];
        tokens: number;
      };
      expect(Object.keys(output).sort()).toEqual(["files", "tokens"]);
      expect(output.files[0]).toEqual({ path: "app/models/cart.py", score: expect.any(Number) });
      for (const file of output.files) expect(Object.keys(file).sort()).toEqual(["path", "score"]);
      const scores = output.files.map((file) => file.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(output.files.map((file) => file.path).sort()).toEqual(Object.keys(repoFiles).sort());
      expect(output.tokens).toBeGreaterThan(0);
      expect(output.tokens).toBeLessThanOrEqual(1500);
    } finally {
      repo.remove();
      rmSync(taskDir, { recursive: true, force: true });
    }
  }, 90_000);

  it("prints the starting context as text from a Markdown task", async () => {
    const repo = repoFrom([], repoFiles);
    const taskDir = mkdtempSync(path.join(tmpdir(), "ai-dev-task-"));
    try {
      const taskFile = path.join(taskDir, "task.md");
      writeFileSync(taskFile, "# CartBadge shows 0\n\nThe badge never updates.\n");
      const result = await runCli(["context", "--repo", repo.dir, "--task", taskFile]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        '<untrusted-data source="task title">\nCartBadge shows 0\n</untrusted-data>',
      );
      expect(result.stdout).toContain("# Repository map");
      expect(result.stdout).toContain("web/src/cart-badge.tsx:\n⋮\n│export function CartBadge(");
    } finally {
      repo.remove();
      rmSync(taskDir, { recursive: true, force: true });
    }
  }, 90_000);

  it("says which directory is not a git repository, and exits 1 without a stack trace", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-not-git-"));
    try {
      const taskFile = path.join(dir, "task.md");
      writeFileSync(taskFile, "Something\n");
      const result = await runCli(["context", "--repo", dir, "--task", taskFile]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${dir} is not a git repository`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
