import type {
  CacheControlEphemeral,
  MessageParam,
  TextBlockParam,
  ToolUnion,
} from "@anthropic-ai/sdk/resources/messages/messages";

/** The cacheable parts of a Messages request, in the order the API reads them: tools, system, messages. */
export interface PromptParts {
  tools?: ToolUnion[] | undefined;
  /** Instructions first, then repository context: both stable for the length of a run. */
  system?: string | TextBlockParam[] | undefined;
  messages: MessageParam[];
}

export interface BreakpointOptions {
  /** Lifetime of the tools + system entry; "1h" suits runs that pause (CI, review) longer than 5 minutes. */
  prefixTtl?: "5m" | "1h";
}

type Block = Record<string, unknown>;

/**
 * Places the four cache breakpoints the API allows so that turn N+1 reads turn N's prefix:
 *   1. the last tool definition, 2. the last system block (instructions + repository context),
 *   3. the last user message, where this turn's new prefix ends, and
 *   4. the user message before it, where the previous turn's prefix ended.
 * Keeping (4) leaves the previous request's bytes unchanged up to its breakpoint, so the cache lookup
 * finds exactly the entry the previous turn wrote. Earlier breakpoints are removed (their entries are
 * superseded by the longer prefix). The caller's objects are never changed.
 */
export function withCacheBreakpoints<P extends PromptParts>(parts: P, options: BreakpointOptions = {}): P {
  const prefixMark: CacheControlEphemeral =
    options.prefixTtl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
  const turnMark: CacheControlEphemeral = { type: "ephemeral" };

  const tools = parts.tools?.map((tool, i, all) =>
    i === all.length - 1 ? ({ ...tool, cache_control: prefixMark } as ToolUnion) : tool,
  );

  let system: TextBlockParam[] | undefined;
  if (typeof parts.system === "string") {
    system =
      parts.system.length > 0 ? [{ type: "text", text: parts.system, cache_control: prefixMark }] : undefined;
  } else if (parts.system && parts.system.length > 0) {
    system = parts.system.map((block, i, all) =>
      i === all.length - 1 ? { ...withoutMark(block), cache_control: prefixMark } : withoutMark(block),
    );
  }

  const userIndexes = parts.messages.flatMap((m, i) => (m.role === "user" ? [i] : []));
  const marked = new Set(userIndexes.slice(-2));
  const messages = parts.messages.map((message, i) => {
    const blocks: Block[] =
      typeof message.content === "string"
        ? [{ type: "text", text: message.content }]
        : message.content.map((b) => withoutMark(b as unknown as Block));
    if (marked.has(i) && blocks.length > 0) {
      const last = blocks.length - 1;
      blocks[last] = { ...blocks[last], cache_control: turnMark };
    }
    return { ...message, content: blocks } as unknown as MessageParam;
  });

  const out = { ...parts, messages };
  if (tools) out.tools = tools;
  if (system) out.system = system;
  return out;
}

function withoutMark<B extends object>(block: B): B {
  if (!("cache_control" in block)) return block;
  const { cache_control: _ignored, ...rest } = block as B & { cache_control?: unknown };
  return rest as B;
}
