import { UserFacingError } from "../errors.ts";

/** The sandbox cannot start here, so no command runs: ai-dev never falls back to running unsandboxed. */
export class SandboxUnavailableError extends UserFacingError {
  constructor(reason: string) {
    super(
      "sandbox_unavailable",
      `Commands are refused: the sandbox cannot start (${reason}). Install bubblewrap (\`apt-get install -y bubblewrap\`) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or run the container with --security-opt seccomp=unconfined); ai-dev never runs a command outside the sandbox.`,
    );
    this.name = "SandboxUnavailableError";
  }
}

/** `security.allowed_commands` is set and this command is not on it. */
export class CommandNotAllowedError extends UserFacingError {
  constructor(reason: string) {
    super("command_not_allowed", reason);
    this.name = "CommandNotAllowedError";
  }
}
