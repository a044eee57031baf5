/**
 * The invisible mark (an HTML comment, which GitHub does not render) that a comment posted under an
 * idempotency key carries: a step retried after it posted, but before the engine recorded that, finds
 * the mark and does not post again. One format for every adapter that posts once, and for the agents
 * that look for what an earlier attempt of their step already posted.
 */
export function idempotencyMarker(idempotencyKey: string): string {
  return `<!-- ai-dev:${idempotencyKey.replace(/-->/g, "")} -->`;
}
