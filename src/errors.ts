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
