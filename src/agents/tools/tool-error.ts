/**
 * A refusal or a mistake the model can act on: the dispatcher answers it as a tool result with
 * `is_error`, so the run goes on and the model tries something else.
 */
export class ToolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ToolError";
  }
}
