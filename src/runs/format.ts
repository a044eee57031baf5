/** Dollars for people: $0.0123 for small amounts, $12.34 for larger ones. */
export function formatUsd(micros: number): string {
  const usd = micros / 1_000_000;
  return usd !== 0 && Math.abs(usd) < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
