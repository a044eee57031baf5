/**
 * Long outputs are cut before they reach the model, with a note that says so and how to see more: a
 * whole log or file in the context window costs money on every later turn.
 */
export function truncateHead(text: string, maxChars: number, hint: string): string {
  if (text.length <= maxChars) return text;
  const kept = text.slice(0, maxChars);
  return `${kept}\n[output truncated: ${text.length - maxChars} more characters not shown; ${hint}]`;
}

/** Keeps the start and the end: a command's error and summary are usually at its end. */
export function truncateMiddle(text: string, maxChars: number, hint: string): string {
  if (text.length <= maxChars) return text;
  const head = Math.floor(maxChars * 0.4);
  const tail = maxChars - head;
  return `${text.slice(0, head)}\n[output truncated: ${text.length - maxChars} characters in the middle not shown; ${hint}]\n${text.slice(text.length - tail)}`;
}
