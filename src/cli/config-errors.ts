import { SourceValidationError } from "../validation/yaml-source.ts";

/**
 * Runs a command body and turns a configuration or workflow error into its list of problems on stderr
 * and exit code 1, instead of a stack trace.
 */
export async function exitOnInvalidInput(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof SourceValidationError) {
      process.stderr.write(`${error.issues.length} problem(s) found:\n${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
