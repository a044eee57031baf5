/**
 * The paths no agent may read or write and no commit may touch: the one matcher the agent's tools and
 * the commit-time diff check share.
 *
 * Patterns read like .gitignore lines: a pattern without a slash (`.env*`, `id_rsa*`) matches a file or
 * directory name at any depth; a pattern with a slash (`.github/workflows/**`) is anchored at the
 * repository root; `*` and `?` stay within one path segment, `**` crosses them (`**\/x` is x at any
 * depth, `x/**` everything under x). A match on a directory blocks everything inside it. Matching
 * ignores case, so `.ENV` on a case-insensitive checkout is blocked as `.env` would be.
 */
export const defaultBlockedPaths: readonly string[] = [
  ".env*",
  "*.pem",
  "*.key",
  "id_rsa*",
  ".github/workflows/**",
  // Any `.git` (the worktree's own link file, a nested repository's directory), not only the root one.
  ".git",
];

const compiled = new Map<string, RegExp>();

function escapeRegex(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function globRegex(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      out += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else out += escapeRegex(char);
  }
  return new RegExp(`^${out}$`, "i");
}

function patternRegex(pattern: string): { regex: RegExp; anchored: boolean } {
  const trimmed = pattern.trim().replace(/^\.\//, "").replace(/\/+$/, "");
  const anchored = trimmed.includes("/");
  const body = trimmed.replace(/^\//, "");
  let regex = compiled.get(body);
  if (!regex) {
    regex = globRegex(body);
    compiled.set(body, regex);
  }
  return { regex, anchored };
}

/** A repository-relative path with `/` separators, no `./`, no empty segments. */
export function normalizedRelPath(relPath: string): string {
  return relPath
    .replaceAll("\\", "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

/** The pattern that blocks this path, or undefined when none does. */
export function blockingPattern(relPath: string, extraPatterns: readonly string[] = []): string | undefined {
  const segments = normalizedRelPath(relPath).split("/");
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
  for (const pattern of [...defaultBlockedPaths, ...extraPatterns]) {
    const { regex, anchored } = patternRegex(pattern);
    const candidates = anchored ? prefixes : segments;
    if (candidates.some((c) => regex.test(c))) return pattern;
  }
  return undefined;
}

/** Whether an agent must neither read nor write this repository-relative path, nor a commit touch it. */
export function isBlockedPath(relPath: string, extraPatterns: readonly string[] = []): boolean {
  return blockingPattern(relPath, extraPatterns) !== undefined;
}
