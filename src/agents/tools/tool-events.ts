import { z } from "zod";

/**
 * What the agent's tools did, one entry per tool call: the progress comment lists them (files read and
 * changed, commands with their exit codes) and checkpoints persist them with the transcript.
 */
export const toolEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("file_read"), path: z.string() }),
  z.object({ kind: z.literal("directory_listed"), path: z.string() }),
  z.object({ kind: z.literal("file_created"), path: z.string() }),
  z.object({ kind: z.literal("file_edited"), path: z.string() }),
  z.object({
    kind: z.literal("command"),
    command: z.string(),
    exitCode: z.int().nullable(),
    timedOut: z.boolean(),
    durationMs: z.number().nonnegative(),
  }),
  z.object({ kind: z.literal("search"), pattern: z.string(), matches: z.int().nonnegative() }),
  z.object({
    kind: z.literal("refused"),
    tool: z.string(),
    /** What the model asked for, in a few words (a path, a command): never a file's content. */
    target: z.string(),
    reason: z.string(),
  }),
]);
export type ToolEvent = z.infer<typeof toolEventSchema>;
