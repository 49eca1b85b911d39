/**
 * The grammar of a Schedule line: the Director's `Run =` (dird/run_conf.c store_run) and the File
 * Daemon's `Connect =` (filed/runres_conf.c store_runres), both ending in the time part that
 * lib/parse_conf.c RUNBASE::store_runbase reads. Checked word for word the way Bacula reads it, so
 * a line accepted here is one Bacula accepts, and a line Bacula refuses is refused here with the
 * reason (Bacula stops the whole Director on it).
 *
 * The facts, all checked against Debian's 15.0.3 bdirjson (lib/bacula/schedule.real.test.ts):
 * - Overrides (`Level=Full`, `Pool=Weekly`, …) and bare levels come first; each is read as a name,
 *   so a number there is refused (`Run = 2 jan`: write `on 2 jan`), and so is a line that ends
 *   after them (`Run = Full`).
 * - The time part is words (SCHEDULE_TIME_WORDS), day numbers 1-31, week numbers w00-w53, `hh:mm`
 *   (optionally am/pm) after `at`, and `a-b` ranges; commas are ignored; nothing quoted.
 * - Pool, Storage and Messages overrides must name resources of the Director (checked by the
 *   caller with the names it knows: {@link ScheduleCheck.refs}).
 *
 * Pure: no I/O.
 */
import { Lexer, Tok } from "./lexer";
import { durationSeconds } from "./quantities";
import {
  JOB_LEVELS,
  SCHEDULE_CONNECT_OVERRIDE_DEFS,
  SCHEDULE_RUN_OVERRIDE_DEFS,
  SCHEDULE_TIME_WORDS,
  type ScheduleOverride,
  type ScheduleWord,
} from "./tables";

/** A resource a Schedule line names. */
export interface ScheduleRef {
  /** The resource type the name must be of. */
  type: "Pool" | "Storage" | "Messages";
  /** The override that names it (Pool, FullPool, NextPool…). */
  keyword: string;
  name: string;
}

export interface ScheduleCheck {
  /** Why Bacula refuses the line, or null. */
  problem: string | null;
  /** What Bacula accepts but reads otherwise than it is written (`at 12:ab` is 12:00, `Priority=1e3` is 1). */
  warnings: string[];
  refs: ScheduleRef[];
}

/** Bacula's MAX_RES_NAME_LENGTH: a word read as a name (override, level, resource) is at most this long. */
const MAX_NAME = 127;

/** Levels a Run line may name, bare or as Level= (joblevels of dird_conf.c, including the " " of Admin and Restore jobs). */
const LEVELS = new Set([...JOB_LEVELS, " "].map((l) => l.toLowerCase()));

const WORDS = new Map<string, ScheduleWord>(SCHEDULE_TIME_WORDS.map((w) => [w.word, w]));
const RUN_OVERRIDES = new Map(SCHEDULE_RUN_OVERRIDE_DEFS.map((o) => [o.name.toLowerCase(), o]));
const CONNECT_OVERRIDES = new Map(SCHEDULE_CONNECT_OVERRIDE_DEFS.map((o) => [o.name.toLowerCase(), o]));
const REF_TYPES = { pool: "Pool", storage: "Storage", messages: "Messages" } as const;

const isNameToken = (t: Tok) => t === Tok.UNQUOTED || t === Tok.QUOTED || t === Tok.IDENTIFIER;
const isInteger = (s: string) => /^[0-9]+$/.test(s);

/** C's atoi as glibc does it (strtol, saturated to 64 bits, then cut to an int). */
export function cAtoi(s: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?)([0-9]*)/.exec(s)!;
  if (m[2] === "") return 0;
  let v = BigInt(m[2]);
  if (m[1] === "-") v = -v;
  const max = (1n << 63n) - 1n;
  if (v > max) v = max;
  if (v < -max - 1n) v = -max - 1n;
  return Number(BigInt.asIntN(32, v));
}

/** Bacula's is_a_number: an optional sign, digits, an optional fraction and exponent. */
function isANumber(s: string): boolean {
  return /^[+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(s);
}

/** scan_pint: a number (is_a_number) whose leading digits are not negative. */
function pintProblem(s: string): string | null {
  if (!isANumber(s)) return "must be a positive whole number";
  const m = /^([+-]?)([0-9]+)/.exec(s)!;
  if (m[1] === "-" && /[1-9]/.test(m[2])) return "must be a positive whole number";
  return null;
}

class Refused extends Error {}

function refuse(message: string): never {
  throw new Refused(message);
}

const show = (s: string) => JSON.stringify(s);

function tokenText(t: Tok, str: string): string {
  switch (t) {
    case Tok.EOL:
    case Tok.EOF:
      return "the end of the line";
    case Tok.NUMBER:
      return `the number ${str}`;
    case Tok.QUOTED:
      return `the quoted ${show(str)}`;
    case Tok.EQUALS:
      return "=";
    case Tok.COMMA:
      return ",";
    case Tok.BOB:
      return "{";
    case Tok.EOB:
      return "}";
    default:
      return show(str);
  }
}

/**
 * Checks one Schedule line as Bacula reads it: `daemon` "dir" for a Director's Run, "fd" for a File
 * Daemon's Connect.
 */
export function checkScheduleLine(text: string, daemon: "dir" | "fd" = "dir"): ScheduleCheck {
  const out: Omit<ScheduleCheck, "problem"> = { refs: [], warnings: [] };
  try {
    read(text, daemon, out);
    return { problem: null, ...out };
  } catch (e) {
    if (e instanceof Refused) return { problem: e.message, ...out };
    throw e;
  }
}

type Out = Omit<ScheduleCheck, "problem">;

function read(text: string, daemon: "dir" | "fd", out: Out) {
  const lx = new Lexer(`${text}\n`, "schedule");
  lx.mode = "noIdent";
  const overrides = daemon === "dir" ? RUN_OVERRIDES : CONNECT_OVERRIDES;
  const what = daemon === "dir" ? "an override (Level=, Pool=…), a level" : "MaxConnectTime=";

  // Overrides and bare levels, each read as a name.
  let t: Tok;
  let seen = 0;
  for (;;) {
    t = lx.next();
    if (!isNameToken(t)) {
      if (t === Tok.NUMBER)
        refuse(seen === 0
          ? `cannot start with a number (${lx.str}): Bacula reads ${what} or a word first; write "on ${lx.str}"`
          : `cannot have a number (${lx.str}) right after ${seen === 1 ? "its level or override" : "its levels and overrides"}: write "on ${lx.str}"`);
      if (t === Tok.EOL || t === Tok.EOF)
        refuse(seen === 0 ? "is empty" : "says no time: add one such as daily, sun at 23:05 or 1st mon");
      refuse(`has ${tokenText(t, lx.str)} where Bacula expects ${what} or a time word`);
    }
    const word = lx.str;
    if (word.length > MAX_NAME) refuse(`has a word longer than ${MAX_NAME} characters`);
    const o = overrides.get(word.toLowerCase());
    if (o) {
      if (lx.next() !== Tok.EQUALS) refuse(`needs = after ${o.name} (write ${o.name}=value)`);
      readOverride(lx, o, out);
      seen++;
      continue;
    }
    if (daemon === "dir" && LEVELS.has(word.toLowerCase())) {
      seen++;
      continue;
    }
    break;
  }

  // The time part.
  let haveAt = false;
  for (; t !== Tok.EOL && t !== Tok.EOF; t = lx.next()) {
    const s = lx.str;
    if (t === Tok.COMMA) continue;
    if (t === Tok.NUMBER) {
      const day = cAtoi(s);
      if (day < 1 || day > 31) refuse(`has day ${s}: days of the month are 1-31`);
      if (Number(s) !== day) out.warnings.push(`day ${s} is read by Bacula as day ${day}`);
      continue;
    }
    if (t !== Tok.UNQUOTED && t !== Tok.IDENTIFIER) {
      if (t === Tok.QUOTED) refuse(`has ${tokenText(t, s)} in its time part, which Bacula does not take quoted`);
      if (t === Tok.EOB) refuse("must end its line (or ;) before the closing }");
      refuse(`has an unexpected ${tokenText(t, s)} in its time part`);
    }
    if (s.includes("-")) {
      range(s);
      continue;
    }
    if (s.includes(":")) {
      if (!haveAt) refuse(`has the time ${s} without "at" before it (write at ${s})`);
      time(s, out);
      continue;
    }
    if (s.length === 3 && (s[0] === "w" || s[0] === "W") && isInteger(s.slice(1))) {
      const wk = cAtoi(s.slice(1));
      if (wk > 53) refuse(`has week ${s}: weeks of the year are w00-w53`);
      continue;
    }
    const w = WORDS.get(s.toLowerCase());
    if (!w) {
      if (overrides.has(s.toLowerCase()) || (daemon === "dir" && LEVELS.has(s.toLowerCase())))
        refuse(`has ${show(s)} after its time part: levels and overrides come first`);
      refuse(`has ${show(s)}, which is not a schedule word (days 1-31, sun-sat, jan-dec, 1st-6th, lastday, w00-w53, daily, weekly, monthly, hourly, on, at hh:mm)`);
    }
    if (w.kind === "at") haveAt = true;
  }
}

function readOverride(lx: Lexer, o: ScheduleOverride, out: Out) {
  const t = lx.next();
  const v = lx.str;
  const valueOk = isNameToken(t) || t === Tok.NUMBER;
  switch (o.value) {
    case "duration":
      // read with no expectation: any word; duration_to_utime takes "" as 0
      if (!valueOk) refuse(`${o.name}= needs a duration such as "2 hours"`);
      if (v.trim() !== "" && durationSeconds(v) === undefined) refuse(`${o.name}=${v} is not a duration (such as "2 hours" or 30min; quote it when it has spaces)`);
      return;
    case "priority":
      if (!valueOk) refuse(`${o.name}= needs a number`);
      {
        const p = pintProblem(v);
        if (p) refuse(`${o.name}=${v}: ${o.name} ${p}`);
        // Bacula reads the digits before a fraction or exponent, and keeps 32 bits.
        if (!/^\+?[0-9]+$/.test(v) || Number(v) > 2147483647)
          out.warnings.push(`${o.name}=${v} is not read as written: Bacula takes a whole number up to 2147483647 (it reads the digits before any . or e, and cuts larger numbers to 32 bits)`);
      }
      return;
    default:
      break;
  }
  // The others are read as names.
  if (!isNameToken(t)) refuse(`${o.name}= needs ${o.value === "yesno" ? "yes or no" : o.value === "level" ? "a level" : `the name of a ${REF_TYPES[o.value]}`}, not ${tokenText(t, v)}`);
  if (v.length > MAX_NAME) refuse(`${o.name}= has a name longer than ${MAX_NAME} characters`);
  switch (o.value) {
    case "yesno":
      if (!/^(yes|true|no|false)$/i.test(v)) refuse(`${o.name}=${v}: ${o.name} must be yes or no`);
      return;
    case "level":
      if (!LEVELS.has(v.toLowerCase())) refuse(`${o.name}=${v} is not a level (${JOB_LEVELS.join(", ")})`);
      return;
    case "pool":
    case "storage":
    case "messages":
      out.refs.push({ type: REF_TYPES[o.value], keyword: o.name, name: v });
      return;
  }
}

/** `hh:mm`, `hh:mmam`, `hh:mmpm` (the part before `:` read by atoi, so `:30` is 0:30). */
function time(s: string, out: Out) {
  const colon = s.indexOf(":");
  let hour = cAtoi(s.slice(0, colon));
  const rest = s.slice(colon + 1);
  const minute = cAtoi(rest);
  const suffix = rest.length >= 2 ? rest.slice(2) : rest;
  const pm = suffix.toLowerCase() === "pm";
  const am = suffix.toLowerCase() === "am";
  const bad = `has the time ${s}, which is not a time of day (hh:mm with hours 0-23 and two-digit minutes 00-59, or 1-12 with am/pm)`;
  if (!pm && !am && rest.length !== 2) refuse(bad);
  if (pm && hour !== 12) hour += 12;
  else if (am && hour === 12) hour = 0;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) refuse(bad);
  if (!/^[0-9]{1,2}$/.test(s.slice(0, colon)) || !/^[0-9]{2}/.test(rest))
    out.warnings.push(`the time ${s} is read by Bacula as ${hour}:${String(minute).padStart(2, "0")}: write hh:mm`);
}

/** `a-b`: days 1-31, weeks w00-w53, or week days, months or positions of the same kind. */
function range(s: string) {
  const dash = s.indexOf("-");
  const a = s.slice(0, dash);
  const b = s.slice(dash + 1);
  if (isInteger(a) && isInteger(b)) {
    const x = cAtoi(a);
    const y = cAtoi(b);
    if (x < 1 || x > 31 || y < 1 || y > 31) refuse(`has the day range ${s}: days of the month are 1-31`);
    return;
  }
  const week = (w: string) => w.length === 3 && (w[0] === "w" || w[0] === "W") && isInteger(w.slice(1));
  if (week(a) && week(b)) {
    if (cAtoi(a.slice(1)) > 53 || cAtoi(b.slice(1)) > 53) refuse(`has the week range ${s}: weeks of the year are w00-w53`);
    return;
  }
  const from = WORDS.get(a.toLowerCase());
  if (!from || (from.kind !== "month" && from.kind !== "wday" && from.kind !== "wom"))
    refuse(`has the range ${s}, which is not a range of days (1-31), weeks (w00-w53), week days, months or positions (1st-6th)`);
  const to = WORDS.get(b.toLowerCase());
  if (!to || to.kind !== from.kind || to.code === from.code)
    refuse(`has the range ${s}: both ends must be different ${from.kind === "month" ? "months" : from.kind === "wday" ? "week days" : "positions"}`);
}
