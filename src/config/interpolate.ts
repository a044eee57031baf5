/**
 * `${VAR}` and `${VAR:-fallback}` in configuration strings take their values from the environment, so
 * secrets stay out of the file. `$${` writes a literal `${`. Only configuration files are interpolated:
 * workflow files use `${…}` for their own variables.
 */
const reference = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: InterpolationProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === "string") {
    return value.replace(reference, (match, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped) return match.slice(1);
      const found = env[name];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      problems.push({
        path,
        message: `environment variable ${name} is not set (or write \${${name}:-default})`,
      });
      return "";
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, problems, [...path, i]));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, problems, [...path, key])]),
    );
  }
  return value;
}

/** The values that came from the environment: the logger hides them wherever they appear. */
export function referencedEnvValues(text: string, env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const match of text.matchAll(reference)) {
    const found = match[2] ? env[match[2]] : undefined;
    if (!match[1] && found) values.push(found);
  }
  return values;
}
