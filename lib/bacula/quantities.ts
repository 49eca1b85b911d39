/**
 * Bacula quantities written with units: durations (duration_to_utime, lib/edit.c), sizes
 * (size_to_uint64) and speeds, read as Bacula reads them. Pure.
 */

const DURATION_UNITS: readonly [string, number][] = [
  ["n", 60],
  ["seconds", 1],
  ["months", 60 * 60 * 24 * 30],
  ["minutes", 60],
  ["mins", 60],
  ["hours", 3600],
  ["days", 3600 * 24],
  ["weeks", 3600 * 24 * 7],
  ["quarters", 3600 * 24 * 91],
  ["years", 3600 * 24 * 365],
];
const SIZE_UNITS: readonly [string, number][] = [
  ["k", 1024],
  ["kb", 1000],
  ["kib", 1024],
  ["m", 1048576],
  ["mb", 1000000],
  ["mib", 1048576],
  ["g", 1073741824],
  ["gb", 1000000000],
  ["gib", 1073741824],
  ["t", 1099511627776],
  ["tb", 1000000000000],
  ["tib", 1099511627776],
];
const SPEED_UNITS: readonly [string, number][] = [
  ["k/s", 1024],
  ["kb/s", 1000],
  ["kib/s", 1024],
  ["m/s", 1048576],
  ["mb/s", 1000000],
  ["mib/s", 1048576],
];

/** A unit as Bacula matches it: the letters written are a prefix of a unit name, first match wins. */
function unitFactor(mod: string, units: readonly [string, number][]): number | undefined {
  const m = mod.toLowerCase();
  for (const [u, f] of units) if (u.slice(0, m.length) === m) return f;
  return undefined;
}

/** Seconds of a Bacula duration (`30 days`, `1 year 6 months`, `90`), as duration_to_utime reads it; undefined when refused. */
export function durationSeconds(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  const re = /\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m || m[0].length === 0) return undefined;
    const f = m[2] === "" ? 1 : unitFactor(m[2], DURATION_UNITS);
    if (f === undefined) return undefined;
    total += Number(m[1]) * f;
    i = re.lastIndex;
    while (i < s.length && /\s/.test(s[i])) i++;
  }
  return total;
}

/** Bytes of a Bacula size (`50G`, `500 MB`, `1.5 TB`); undefined when refused. */
export function sizeBytes(text: string, speed = false): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)(\/[sS])?\s*$/.exec(text);
  if (!m) return undefined;
  if (m[3] && !speed) return undefined;
  const mod = m[2] + (m[3] ?? "");
  if (mod === "") return Number(m[1]);
  const f = speed ? unitFactor(m[2] === "" ? "" : mod, SPEED_UNITS) : unitFactor(mod, SIZE_UNITS);
  if (f === undefined) return undefined;
  return Number(m[1]) * f;
}
