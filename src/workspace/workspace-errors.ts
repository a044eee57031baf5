import { UserFacingError } from "../errors.ts";
import { type DiffFinding, describeFindings } from "./diff-check.ts";

/** A push the app never makes: to the default branch, or a force-push to a branch it did not create. */
export class PushRefusedError extends UserFacingError {
  constructor(message: string) {
    super("push_refused", message);
    this.name = "PushRefusedError";
  }
}

/** The change touches a blocked path or holds a secret; nothing was committed. */
export class DiffRefusedError extends UserFacingError {
  readonly findings: DiffFinding[];
  constructor(findings: DiffFinding[]) {
    super(
      "diff_refused",
      `The change was not committed: it touches blocked paths or holds secrets.\n${describeFindings(findings)}\nRemove these from the change; blocked paths come from security.blocked_paths and .github/ai-dev.yml.`,
    );
    this.name = "DiffRefusedError";
    this.findings = findings;
  }
}
