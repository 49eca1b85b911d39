/**
 * Bacula size and time values, as measured against bdirjson 15.0.3:
 *  - sizes: a number (decimals allowed) with an optional modifier; k/m/g/t are
 *    powers of 1024, kb/mb/gb/tb powers of 1000, case-insensitive, space allowed
 *    ("50G", "10 GB"). Must be written unquoted.
 *  - times: one or more "<number> <modifier>" pairs ("1 day 2 hours", "1day2hours");
 *    a modifier is a prefix of seconds, months, minutes, mins, hours, days, weeks,
 *    quarters, years (first match wins, so "m" means MONTHS), or "n" for minutes.
 *    A month is 30 days, a quarter 91 days, a year 365 days. Must be written unquoted.
 */

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;
const SIZE_MULT: Record<string, number> = {
  "": 1,
  k: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
};

/** Bytes, or undefined when Bacula would reject the text. */
export function sizeToBytes(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? Math.floor(text) : undefined;
  const m = SIZE_RE.exec(text);
  if (!m) return undefined;
  const mult = SIZE_MULT[m[2].toLowerCase()];
  if (mult === undefined) return undefined;
  return Math.floor(Number(m[1]) * mult);
}

const TIME_WORDS: Array<[string, number]> = [
  ["seconds", 1],
  ["months", 30 * 86400],
  ["minutes", 60],
  ["mins", 60],
  ["hours", 3600],
  ["days", 86400],
  ["weeks", 7 * 86400],
  ["quarters", 91 * 86400],
  ["years", 365 * 86400],
];

function timeModifier(mod: string): number | undefined {
  const m = mod.toLowerCase();
  if (m === "") return 1;
  if (m === "n") return 60;
  for (const [word, secs] of TIME_WORDS) if (word.startsWith(m)) return secs;
  return undefined;
}

const TIME_PAIR_RE = /(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*/y;

/** Seconds, or undefined when the text is not a valid Bacula time. */
export function durationToSeconds(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? Math.floor(text) : undefined;
  const s = text.trim();
  if (s === "") return undefined;
  TIME_PAIR_RE.lastIndex = 0;
  let total = 0;
  while (TIME_PAIR_RE.lastIndex < s.length) {
    const m = TIME_PAIR_RE.exec(s);
    if (!m) return undefined;
    const mult = timeModifier(m[2]);
    if (mult === undefined) return undefined;
    total += Number(m[1]) * mult;
  }
  return Math.floor(total);
}

/** True when a time text uses a bare "m"/"mo..." modifier, which Bacula reads as months. */
export function timeUsesMonthM(text: string): boolean {
  return /\d\s*m(?![a-z])/i.test(text);
}
