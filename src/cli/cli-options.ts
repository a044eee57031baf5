import { InvalidArgumentError } from "commander";
import { maxRunsListed } from "../ops/runs-limits.ts";
import type { SandboxNetwork } from "../sandbox/bwrap-args.ts";

// The option parsers commander runs before a command's module is loaded (src/cli/main.ts imports each
// command lazily), so they live apart from the commands and import nothing heavy.

export const defaultContextTokens = 8_000;

export function parseTokens(value: string): number {
  const tokens = Number(value);
  if (!Number.isInteger(tokens) || tokens < 256) {
    throw new InvalidArgumentError("--tokens takes a whole number of at least 256");
  }
  return tokens;
}

export function parseNetwork(value: string): SandboxNetwork {
  if (value === "none" || value === "registries") return value;
  throw new InvalidArgumentError('expected "none" (every agent command) or "registries" (the setup command)');
}

/** A `--limit` value, or an error commander shows beside the option. */
export function parseRunsLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1 || limit > maxRunsListed) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${maxRunsListed}`);
  }
  return limit;
}

export function parseTokenScope(value: string): "read" | "write" {
  if (value === "read" || value === "write") return value;
  throw new InvalidArgumentError('expected "read" or "write"');
}
