import { z } from "zod";
import { runTriggerSchema } from "./run-request.ts";
import { slashCommands } from "./slash-command.ts";

/**
 * What a webhook asked for, before anyone checked who asked. The webhook commits it with its delivery
 * and answers at once; the intake worker then authorizes the person (asking GitHub), reads the
 * repository's settings and starts the run or answers the command. Nothing here is trusted yet.
 */
const base = { trigger: runTriggerSchema, senderType: z.string() };

export const triggerEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("label"), label: z.string(), ...base }),
  z.object({
    kind: z.literal("command"),
    command: z.object({ name: z.enum(slashCommands), argument: z.string(), rest: z.string() }),
    ...base,
  }),
  z.object({
    kind: z.literal("review"),
    instructions: z.string(),
    /** The pull request's branch (head ref), from the webhook. */
    branch: z.string().min(1),
    reviewId: z.int().optional(),
    ...base,
  }),
  /**
   * The title or body was edited. Not a request: a run already working on the issue keeps the
   * version it was given, and its progress comment says the issue changed. `trigger.target` holds the
   * text after the edit.
   */
  z.object({ kind: z.literal("edited"), changed: z.array(z.enum(["title", "body"])).min(1), ...base }),
]);

export type TriggerEvent = z.infer<typeof triggerEventSchema>;
