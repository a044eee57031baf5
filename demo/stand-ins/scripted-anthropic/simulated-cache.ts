import { createHash } from "node:crypto";

/**
 * A stand-in for the API's prompt cache, so usage in scripted replies depends on the request the way it
 * does on the real API: the request is cut into blocks in the API's order (tools, system, messages),
 * each block costs ceil(JSON length / 4) tokens, and a cache entry is the hash of every block up to a
 * breakpoint (cache_control itself excluded). A request reads the longest entry that is a prefix of it,
 * writes the rest up to its last breakpoint, and pays full input after that. Entries never expire and
 * the minimum cacheable length is ignored: the simulation measures where breakpoints are, not the TTLs.
 */
export interface SimulatedUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

type Json = Record<string, unknown>;

export class SimulatedPromptCache {
  private readonly entries = new Set<string>();

  usageFor(body: Json): SimulatedUsage {
    const blocks = requestBlocks(body);
    const hashes: string[] = [];
    const hash = createHash("sha256");
    for (const block of blocks) {
      hash.update(block.text);
      hashes.push(hash.copy().digest("hex"));
    }
    const breakpoints = blocks.flatMap((b, i) => (b.isBreakpoint ? [i] : []));
    const last = breakpoints.at(-1) ?? -1;
    let hit = -1;
    for (let i = last; i >= 0; i -= 1) {
      if (this.entries.has(hashes[i] as string)) {
        hit = i;
        break;
      }
    }
    const tokens = (from: number, to: number) =>
      blocks.slice(from, to + 1).reduce((sum, b) => sum + b.tokens, 0);
    let write5m = 0;
    let write1h = 0;
    let previous = hit;
    for (const bp of breakpoints) {
      if (bp <= hit) continue;
      const written = tokens(previous + 1, bp);
      if (blocks[bp]?.ttl === "1h") write1h += written;
      else write5m += written;
      previous = bp;
    }
    for (const bp of breakpoints) this.entries.add(hashes[bp] as string);
    return {
      input_tokens: tokens(Math.max(last, hit) + 1, blocks.length - 1),
      cache_creation_input_tokens: write5m + write1h,
      cache_read_input_tokens: tokens(0, hit),
      cache_creation: { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h },
    };
  }
}

interface CacheBlock {
  text: string;
  tokens: number;
  isBreakpoint: boolean;
  ttl: string | undefined;
}

function requestBlocks(body: Json): CacheBlock[] {
  const out: CacheBlock[] = [];
  const push = (prefix: string, block: unknown) => {
    const { cache_control, ...rest } = (
      typeof block === "string" ? { type: "text", text: block } : block
    ) as Json & {
      cache_control?: { ttl?: string };
    };
    const text = `${prefix}${JSON.stringify(rest)}`;
    out.push({
      text,
      tokens: Math.ceil(text.length / 4),
      isBreakpoint: Boolean(cache_control),
      ttl: cache_control?.ttl,
    });
  };
  for (const tool of (body.tools as unknown[] | undefined) ?? []) push("tool:", tool);
  const system = body.system as unknown;
  if (typeof system === "string") push("system:", system);
  else for (const block of (system as unknown[] | undefined) ?? []) push("system:", block);
  for (const message of (body.messages as { role: string; content: unknown }[] | undefined) ?? []) {
    const content = typeof message.content === "string" ? [message.content] : (message.content as unknown[]);
    for (const block of content) push(`${message.role}:`, block);
  }
  return out;
}
