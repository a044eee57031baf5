import { realpath } from "node:fs/promises";
import type { ToolResultBlockParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages/messages";
import type { z } from "zod";
import { redactedText, scrubSecrets } from "../../logging/logger.ts";
import { redactSecretPatterns } from "../../workspace/secret-rules.ts";
import { bashInputSchema, bashToolName, runBash } from "./bash-tool.ts";
import type { CommandRunner } from "./command-runner.ts";
import { runSearch, searchInputSchema, searchToolDefinition, searchToolName } from "./search-tool.ts";
import {
  runTextEditor,
  type TextEditorLimits,
  textEditorInputSchema,
  textEditorToolName,
} from "./text-editor.ts";
import { ToolError } from "./tool-error.ts";
import type { ToolEvent } from "./tool-events.ts";
import { truncateHead } from "./truncate.ts";
import type { Worktree } from "./worktree-path.ts";

export interface ToolLimits extends TextEditorLimits {
  commandTimeoutMs: number;
  /** Bytes of stdout and of stderr a command may produce before the runner cuts it. */
  commandOutputCapBytes: number;
  searchTimeoutMs: number;
}

export const defaultToolLimits: ToolLimits = {
  maxOutputChars: 20_000,
  maxFileBytes: 512 * 1024,
  maxListingEntries: 400,
  commandTimeoutMs: 10 * 60_000,
  commandOutputCapBytes: 1024 * 1024,
  searchTimeoutMs: 30_000,
};

export interface ToolboxOptions {
  /** The run's worktree; its real path is resolved once, and every path must stay under it. */
  dir: string;
  runner: CommandRunner;
  /** `security.blocked_paths`, on top of the defaults. */
  blockedPaths?: readonly string[];
  /** `security.allowed_commands` when an operator narrowed what bash may run; absent: any command. */
  allowedCommands?: readonly string[];
  /** Absolute paths the model may use for the root, e.g. where the sandbox mounts the worktree. */
  rootAliases?: readonly string[];
  /**
   * The app's live secret values (the same array the log scrubber reads): scrubbed from every result
   * before it reaches the model.
   */
  secrets?: readonly string[];
  limits?: Partial<ToolLimits>;
  /**
   * The planning agent's tools: the editor's `view` and search only. Bash is not offered, and the
   * editor refuses every command that writes, so looking around can change nothing.
   */
  readOnly?: boolean;
}

/** A `tool_use` block as the model sent it (the SDK's `ToolUseBlock` fits). */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export interface ToolAnswer {
  result: ToolResultBlockParam;
  events: ToolEvent[];
}

export interface Toolbox {
  /** The `tools` parameter of the Messages API request. */
  definitions: ToolUnion[];
  /**
   * Validates and runs one tool call and answers it. Never rejects: a refusal, bad input or a failed
   * command is an `is_error` result the model reads and acts on.
   */
  dispatch(call: ToolCall, signal?: AbortSignal): Promise<ToolAnswer>;
}

/** The agent's tools for one worktree: the text editor and bash the models are trained on, and search. */
export async function createToolbox(options: ToolboxOptions): Promise<Toolbox> {
  const limits = { ...defaultToolLimits, ...options.limits };
  const worktree: Worktree = {
    root: await realpath(options.dir),
    blockedPaths: options.blockedPaths ?? [],
    rootAliases: [options.dir, ...(options.rootAliases ?? [])],
  };
  // Read at each call: a token minted after the toolbox was built is scrubbed too.
  const liveSecrets = () => (options.secrets ?? []).filter((secret) => secret.length >= 4);
  const definitions: ToolUnion[] = [
    { type: "text_editor_20250728", name: textEditorToolName, max_characters: limits.maxOutputChars },
    ...(options.readOnly ? [] : [{ type: "bash_20250124", name: bashToolName } as const]),
    searchToolDefinition,
  ];

  async function execute(call: ToolCall, signal: AbortSignal | undefined) {
    switch (call.name) {
      case textEditorToolName: {
        const input = parseInput(textEditorInputSchema, call);
        if (options.readOnly && input.command !== "view") {
          throw new ToolError(
            `${input.command} is refused: this agent only reads (use view, or search); it writes nothing`,
          );
        }
        return { ...(await runTextEditor(worktree, input, limits)), isError: false };
      }
      case bashToolName: {
        if (options.readOnly) {
          throw new ToolError("bash is refused: this agent only reads (use view, or search)");
        }
        const input = parseInput(bashInputSchema, call);
        return await runBash(
          worktree.root,
          input,
          options.runner,
          {
            ...(options.allowedCommands ? { allowedCommands: options.allowedCommands } : {}),
            timeoutMs: limits.commandTimeoutMs,
            outputCapBytes: limits.commandOutputCapBytes,
            maxOutputChars: limits.maxOutputChars,
          },
          signal,
        );
      }
      case searchToolName: {
        const input = parseInput(searchInputSchema, call);
        const outcome = await runSearch(
          worktree,
          input,
          options.runner,
          {
            timeoutMs: limits.searchTimeoutMs,
            outputCapBytes: limits.commandOutputCapBytes,
            maxLineChars: 300,
          },
          signal,
        );
        return { ...outcome, isError: false };
      }
      default:
        throw new ToolError(
          `there is no tool named ${JSON.stringify(call.name)}: use ${textEditorToolName}, ${bashToolName} or ${searchToolName}`,
        );
    }
  }

  return {
    definitions,
    async dispatch(call, signal) {
      const secrets = liveSecrets();
      let content: string;
      let isError: boolean;
      let events: ToolEvent[];
      try {
        const outcome = await execute(call, signal);
        ({ content, isError, events } = outcome);
      } catch (error) {
        isError = true;
        content =
          error instanceof ToolError
            ? error.message
            : `the ${call.name} tool failed: ${error instanceof Error ? error.message : String(error)}`;
        events = [{ kind: "refused", tool: call.name, target: describeTarget(call.input), reason: content }];
      }
      const safe = truncateHead(scrubSecrets(content, secrets), limits.maxOutputChars * 2, "ask for less");
      return {
        result: {
          type: "tool_result",
          tool_use_id: call.id,
          content: safe,
          ...(isError ? { is_error: true } : {}),
        },
        events: events.map((event) => scrubEvent(event, secrets)),
      };
    },
  };
}

function parseInput<S extends z.ZodType>(schema: S, call: ToolCall): z.output<S> {
  const parsed = schema.safeParse(call.input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
  throw new ToolError(`the input of ${call.name} is invalid: ${problems}`);
}

/** A few words naming what a refused call aimed at, for the progress comment. */
function describeTarget(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  const record = input as Record<string, unknown>;
  const target = record.path ?? record.command ?? record.pattern ?? "";
  return typeof target === "string" ? target : JSON.stringify(target);
}

/**
 * An event as the progress comment and the checkpoint keep it: live secrets and anything a secret rule
 * finds (a token the model typed into a command) replaced, then long commands, patterns and targets cut.
 * In that order, so a cut never leaves part of a token too short for a rule to recognise.
 */
function scrubEvent(event: ToolEvent, secrets: readonly string[]): ToolEvent {
  const clean = (text: string) => redactSecretPatterns(scrubSecrets(text, secrets), redactedText);
  const cut = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
  const fields = Object.entries(event).map(([key, value]) => {
    if (typeof value !== "string") return [key, value];
    const cleaned = clean(value);
    return [key, key === "command" || key === "pattern" || key === "target" ? cut(cleaned) : cleaned];
  });
  return Object.fromEntries(fields) as ToolEvent;
}
