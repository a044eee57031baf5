/** One argument for `/bin/sh -c`, in single quotes, so nothing in it is expanded or run. */
export function shellQuote(argument: string): string {
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}
