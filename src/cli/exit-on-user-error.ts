import { isUserFacingError } from "../errors.ts";
import { SourceValidationError } from "../validation/yaml-source.ts";

/**
 * Runs a command body and turns an error meant for the user (a configuration or workflow file's
 * problems, a database another process holds, a weak token) into words on stderr and exit code 1,
 * instead of a stack trace. Anything else is a bug and keeps its stack.
 */
export async function exitOnUserError(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof SourceValidationError) {
      process.stderr.write(`${error.issues.length} problem(s) found:\n${error.message}\n`);
    } else if (isUserFacingError(error)) {
      process.stderr.write(`${error.message}\n`);
    } else {
      throw error;
    }
    process.exitCode = 1;
  }
}
