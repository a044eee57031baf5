import type { z } from "zod";

/**
 * A signed delivery whose payload does not have the shape its event promises. The webhook endpoint
 * records it as rejected and answers 400: sending the same body again cannot help, so never a 5xx.
 */
export class RejectedPayload extends Error {
  override readonly name = "RejectedPayload";
  constructor(
    /** Said to the sender and stored with the delivery: names the event and the fields at fault. */
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The first few problems of a zod error, each with its field path: enough to find the fault. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(the payload)"}: ${issue.message}`);
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : "";
  return `${shown.join("; ")}${more}`;
}
