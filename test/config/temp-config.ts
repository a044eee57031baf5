import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Writes a configuration file (and any files beside it) to a fresh directory; returns the file's path. */
export function writeTempConfig(text: string, beside: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ai-dev-config-"));
  for (const [name, content] of Object.entries(beside)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const file = path.join(dir, "ai-dev.config.yaml");
  writeFileSync(file, text);
  return file;
}
