/**
 * How `security.allowed_commands` matches a command line. Unset (or empty), any command may run: the
 * sandbox is the boundary. Set, a command line runs only when
 *  - it holds none of the shell's chaining, substitution or redirection characters (; & | ` $ < > ( )
 *    or a line break), so an allowed prefix cannot carry a second command (`npm test; curl …`), and
 *  - with runs of whitespace collapsed, it is an entry or starts with an entry followed by a space
 *    (`npm test` allows `npm test -- --grep parser`, not `npm tester`).
 */
export type CommandDecision = { allowed: true } | { allowed: false; reason: string };

const shellControl = /[;&|`$<>()\r\n]/;

function normalized(command: string): string {
  return command.trim().replace(/\s+/g, " ");
}

export function commandDecision(
  command: string,
  allowedCommands: readonly string[] | undefined,
): CommandDecision {
  if (!allowedCommands || allowedCommands.length === 0) return { allowed: true };
  const list = allowedCommands.map((c) => `\`${c}\``).join(", ");
  const way = `security.allowed_commands in ai-dev.config.yaml allows only: ${list}.`;
  const line = normalized(command);
  const control = shellControl.exec(command);
  if (control) {
    return {
      allowed: false,
      reason: `The command is refused: it uses the shell character ${JSON.stringify(control[0])}, which could run a command the list does not allow; ${way}`,
    };
  }
  for (const entry of allowedCommands) {
    const prefix = normalized(entry);
    if (line === prefix || line.startsWith(`${prefix} `)) return { allowed: true };
  }
  return { allowed: false, reason: `The command \`${line}\` is refused: ${way}` };
}
