/**
 * An error whose message is written for the person who asked for the work: it names what happened and
 * how to get past it. Its message may be posted on an issue or ticket, so it never carries secrets or
 * internal details; those go in `cause`, which only the logs see.
 */
export class UserFacingError extends Error {
  /** A stable machine-readable reason, e.g. "budget_exceeded", "invalid_model_output". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UserFacingError";
    this.code = code;
  }
}

export function isUserFacingError(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}

/** True when the error is a vendor's "not found" as the adapters report it (`<vendor>_not_found`). */
export function isVendorNotFound(error: unknown): boolean {
  return error instanceof UserFacingError && error.code.endsWith("_not_found");
}

/**
 * A step failed after part of its work took effect: a branch was pushed, then an error. `outputs` says
 * what exists (e.g. `{ branch }`), so the run's rollback can undo it like a finished step's. Agents and
 * adapters throw it; the engine records the outputs with the failed step.
 */
export class PartialEffectError extends Error {
  readonly outputs: Record<string, unknown>;
  constructor(message: string, outputs: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PartialEffectError";
    this.outputs = outputs;
  }
}
