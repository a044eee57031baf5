import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A configuration file for the API's tests, in a new temporary directory: the intake fixtures'
 * workflows and a per-token rate limit of `requestsPerMinute`, so each file can reach its own 429;
 * `more` are further lines of YAML (a plugins block).
 */
export function writeApiTestConfig(
  prefix: string,
  requestsPerMinute: number,
  more: string[] = [],
): { dir: string; config: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const config = path.join(dir, "ai-dev.config.yaml");
  writeFileSync(
    config,
    [
      "workflows:",
      `  config_dir: ${path.join(import.meta.dirname, "..", "fixtures", "intake", "workflows")}`,
      "security:",
      `  api_rate_limit: { requests: ${requestsPerMinute}, window_seconds: 60 }`,
      ...more,
    ].join("\n"),
  );
  return { dir, config };
}
