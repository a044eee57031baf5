/** Money is kept as integer micro-dollars so sums are exact; dollars appear only at the edges. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

/** "$1.23" for comments; amounts under a cent keep enough digits to not read as zero. */
export function formatUsd(usd: number): string {
  if (usd !== 0 && Math.abs(usd) < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** pg returns bigint as a string, PGlite as a number: read both the same way. */
export function bigintToNumber(value: string | number | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return Number(value);
}
