/**
 * A bare repository of `fileCount` source-like files in one commit, written with git fast-import (a
 * 10,000-file repository takes about a second), plus any `extra` files given by path.
 */
import { execFileSync } from "node:child_process";

export const generatedFileCount = 10_000;

export function generateRepository(
  bare: string,
  options: { fileCount?: number; extra?: Record<string, string> } = {},
): string {
  const fileCount = options.fileCount ?? generatedFileCount;
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  const files: [string, string][] = [];
  for (let i = 0; i < fileCount; i++) {
    const body = `// module ${i}\nexport function f${i}(x: number): number {\n  return x * ${i} + ${i % 97};\n}\n${"// padding line\n".repeat(i % 40)}`;
    files.push([`src/dir${i % 100}/file${i}.ts`, body]);
  }
  files.push(...Object.entries(options.extra ?? {}));
  const parts: string[] = [];
  files.forEach(([, body], index) => {
    parts.push(`blob\nmark :${index + 1}\ndata ${Buffer.byteLength(body)}\n${body}\n`);
  });
  parts.push(
    "commit refs/heads/main\ncommitter Bench <bench@example.com> 1700000000 +0000\ndata 9\ngenerated\n",
  );
  files.forEach(([file], index) => {
    parts.push(`M 100644 :${index + 1} ${file}\n`);
  });
  parts.push("\n");
  execFileSync("git", ["fast-import", "--quiet"], { cwd: bare, input: parts.join("") });
  return bare;
}
