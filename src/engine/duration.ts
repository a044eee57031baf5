import { z } from "zod";

const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration as a workflow writes it: "30s", "5m", "1h", "250ms", or a number of seconds. */
export const durationSchema = z
  .union([
    z.number().positive(),
    z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration such as "30s", "5m" or "1h"'),
  ])
  .describe('A duration: "250ms", "30s", "5m", "1h", or a number of seconds.');

export type Duration = z.infer<typeof durationSchema>;

export function durationMs(duration: Duration): number {
  if (typeof duration === "number") return duration * 1000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * units[match[2] as keyof typeof units];
}
