import path from "node:path";

/**
 * Paths an agent may never read, write or list, whatever the configuration says: secrets that a
 * repository may hold by mistake, CI definitions that would run with the repository's own secrets, and
 * git's internals (hooks and config there run code on the host). `security.blocked_paths` adds to these.
 */
export const defaultBlockedPaths: readonly string[] = [
  ".env*",
  "*.pem",
  "*.key",
  "id_rsa*",
  ".github/workflows/**",
  ".git/**",
  "**/.git/**",
];

/**
 * Whether a path relative to the repository root is blocked by the defaults or by one of `extraPatterns`.
 *
 * The patterns read like .gitignore lines: one without a slash (`*.pem`, `.env*`) matches a file or
 * directory name at any depth; one with a slash is anchored at the root, `**` spans any number of
 * directories, `*` and `?` stay within one name. A directory that matches blocks everything under it,
 * and `dir/**` blocks `dir` itself, so a listing never shows what cannot be opened. Names are compared
 * without regard to case: a case-insensitive file system would open `.ENV` as `.env`.
 * A path that leaves the root (`../x`) is always blocked.
 */
export function isBlockedPath(relPath: string, extraPatterns: readonly string[] = []): boolean {
  return blockingPattern(relPath, extraPatterns) !== undefined;
}

/** The pattern that blocks a path (the first that matches), or undefined when the path is allowed. */
export function blockingPattern(relPath: string, extraPatterns: readonly string[] = []): string | undefined {
  const rel = normalize(relPath);
  if (rel === null) return "(outside the repository)";
  if (rel === "") return undefined;
  const segments = rel.split("/");
  const prefixes = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
  for (const pattern of [...defaultBlockedPaths, ...extraPatterns]) {
    const compiled = compile(pattern);
    if (!compiled) continue;
    if (compiled.anyDepth) {
      if (segments.some((segment) => compiled.regex.test(segment))) return pattern;
    } else if (prefixes.some((prefix) => compiled.regex.test(prefix) || compiled.base?.test(prefix))) {
      return pattern;
    }
  }
  return undefined;
}

/**
 * For a walk from the root down that never enters a blocked directory: the pattern that blocks
 * `relPath`, given that none of its ancestors is blocked. Only its last name and the whole path are
 * tested, so walking a large tree (node_modules) costs one test per entry instead of one per ancestor.
 */
export function blockingPatternBelowAllowed(
  relPath: string,
  extraPatterns: readonly string[] = [],
): string | undefined {
  const name = relPath.slice(relPath.lastIndexOf("/") + 1);
  for (const pattern of [...defaultBlockedPaths, ...extraPatterns]) {
    const compiled = compile(pattern);
    if (!compiled) continue;
    if (
      compiled.anyDepth
        ? compiled.regex.test(name)
        : compiled.regex.test(relPath) || compiled.base?.test(relPath)
    )
      return pattern;
  }
  return undefined;
}

/** The path with forward slashes and no `.` segments; null when it leaves the root or is absolute. */
function normalize(relPath: string): string | null {
  const slashed = relPath.replaceAll("\\", "/");
  if (slashed.startsWith("/")) return null;
  const normalized = path.posix.normalize(slashed).replace(/\/+$/, "");
  if (normalized === "." || normalized === "") return "";
  if (normalized === ".." || normalized.startsWith("../")) return null;
  return normalized;
}

interface CompiledPattern {
  /** True when the pattern names a file or directory at any depth (it has no slash). */
  anyDepth: boolean;
  regex: RegExp;
  /** For `dir/**`: the directory itself. */
  base?: RegExp;
}

const cache = new Map<string, CompiledPattern | null>();

function compile(pattern: string): CompiledPattern | null {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const trimmed = pattern.trim().replace(/^\.\//, "").replace(/\/+$/, "");
  let compiled: CompiledPattern | null = null;
  if (trimmed !== "") {
    const anchored = trimmed.startsWith("/");
    const body = trimmed.replace(/^\/+/, "");
    if (!anchored && !body.includes("/")) {
      compiled = { anyDepth: true, regex: new RegExp(`^${segmentSource(body)}$`, "i") };
    } else {
      compiled = { anyDepth: false, regex: globRegex(body) };
      if (body.endsWith("/**")) compiled.base = globRegex(body.slice(0, -3));
    }
  }
  cache.set(pattern, compiled);
  return compiled;
}

function globRegex(glob: string): RegExp {
  const segments = glob.split("/");
  let source = "";
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "**") {
      source += last ? ".*" : "(?:[^/]+/)*";
      return;
    }
    source += segmentSource(segment) + (last ? "" : "/");
  });
  return new RegExp(`^${source}$`, "i");
}

function segmentSource(segment: string): string {
  return segment
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", "[^/]*")
    .replaceAll("?", "[^/]");
}
