/** PostgreSQL LSN ("X/Y", two 32-bit hex halves) helpers. Pure. */

const LSN_RE = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses "16/B374D848" into a bigint byte position; null for null/invalid input. */
export function parseLsn(lsn: string | null | undefined): bigint | null {
  if (!lsn) return null;
  const m = LSN_RE.exec(lsn.trim());
  if (!m) return null;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** Formats a bigint byte position as "X/Y" (upper-case hex, like PostgreSQL). */
export function formatLsn(pos: bigint): string {
  const hi = (pos >> 32n) & 0xffffffffn;
  const lo = pos & 0xffffffffn;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}

/** a - b in bytes (like pg_wal_lsn_diff), as a number (exact up to 2^53); null if either is null/invalid. */
export function lsnDiff(a: string | null | undefined, b: string | null | undefined): number | null {
  const x = parseLsn(a);
  const y = parseLsn(b);
  if (x === null || y === null) return null;
  return Number(x - y);
}
