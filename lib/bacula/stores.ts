/**
 * What each of Bacula's store functions means for us: how its value is read from the lexer (the
 * way the store function reads it), how it is written back, and which values are safe and read
 * back exactly (ranges as Bacula stores them, characters Bacula would shell-expand, lengths).
 * The directive tables name a store function per directive; everything here is keyed by it.
 */
import { Lexer, MAX_TOKEN_BYTES, Tok, TOK_NAMES } from "./lexer";
import { durationSeconds, sizeBytes } from "./quantities";
import { checkScheduleLine } from "./schedule";
import { listenPort, SERVICE_PORTS } from "./tables/common";
import { MESSAGE_TYPES } from "./tables/messages";
import type { DirectiveDef, StoreFn } from "./tables/types";
import type { AddressEntry, MsgValue, Value } from "./tree";

export { durationSeconds, sizeBytes };

/** The value's shape, which decides the form input and the zod schema. */
export type Shape =
  | "name" // a Bacula name (also references)
  | "string"
  | "path" // shell-expanded by Bacula
  | "password"
  | "keyword" // one of the table's values
  | "int"
  | "size"
  | "speed"
  | "time"
  | "bool"
  | "list" // comma list (names or strings)
  | "address"
  | "port"
  | "ac" // yes / no / a Storage name
  | "msgs"
  | "addresses"
  | "run" // a schedule specification, unquoted
  | "block";

export interface Store {
  shape: Shape;
  /** Each element of a list is a name (store_alist_res, acl?); otherwise free strings. */
  listOfNames?: boolean;
  /** Bacula passes the value through `/bin/sh -c "echo …"` when it holds shell characters. */
  shellExpanded?: boolean;
  /** Integer range as Bacula stores and prints it. */
  min?: number;
  max?: number;
  /** Written without `=`: `RunScript {`, `Include {`, `Options {`. */
  noEquals?: boolean;
  /** Several lines of the same directive are allowed and kept (lists add up, blocks repeat). */
  repeatable?: boolean;
  /**
   * A whole number may come as any token whose text is one (`DbPort = "5432"`): Bacula's T_PINT32
   * scans the token's text whatever its kind (lex.c scan_pint), where T_INT32 / T_INT64 take only
   * a number token.
   */
  anyTokenNumber?: boolean;
}

export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;
/** 2^63 - 1 as a double is 2^63; values at or above it wrap negative in Bacula. */
export const INT64_LIMIT = 9223372036854775807n;

const S = (shape: Shape, extra: Partial<Store> = {}): Store => ({ shape, ...extra });

export const STORES: Readonly<Record<StoreFn, Store>> = {
  name: S("name"),
  strname: S("string"),
  str: S("string"),
  dir: S("path", { shellExpanded: true }),
  password: S("password"),
  res: S("name"),
  alist_res: S("list", { listOfNames: true, repeatable: true }),
  alist_str: S("list", { repeatable: true }),
  alist_dir: S("list", { repeatable: true, shellExpanded: true }),
  defs: S("name"),
  int32: S("int", { min: 0, max: INT32_MAX }),
  // Bacula stores pint32 unsigned but prints and uses most of them as int: above 2^31-1 they turn negative.
  pint32: S("int", { min: 0, max: INT32_MAX, anyTokenNumber: true }),
  int64: S("int", { min: 0, max: Number.MAX_SAFE_INTEGER }),
  size32: S("size", { max: UINT32_MAX }),
  size64: S("size"),
  speed: S("speed"),
  time: S("time"),
  bool: S("bool"),
  bit: S("bool"),
  label: S("keyword"),
  acl: S("list", { repeatable: true }),
  addresses: S("addresses"),
  addresses_address: S("address"),
  addresses_port: S("port"),
  msgs: S("msgs", { repeatable: true }),
  coll_type: S("keyword"),
  storage_mngr: S("keyword"),
  jobtype: S("keyword"),
  level: S("keyword"),
  migtype: S("keyword"),
  replace: S("keyword"),
  actiononpurge: S("keyword"),
  device: S("list", { listOfNames: true }),
  ac_res: S("ac"),
  run: S("run", { repeatable: true }),
  runres: S("run", { repeatable: true }),
  runscript: S("block", { noEquals: true, repeatable: true }),
  short_runscript: S("string", { repeatable: true }),
  runscript_when: S("keyword"),
  runscript_cmd: S("string", { repeatable: true }),
  runscript_target: S("ac"),
  runscript_bool: S("bool"),
  runscript_int: S("int", { min: 0, max: INT32_MAX }),
  inc: S("block", { noEquals: true, repeatable: true }),
  opts: S("keyword"),
  lopts: S("string"),
  wild: S("string", { repeatable: true }),
  regex: S("string", { repeatable: true }),
  base: S("list", { listOfNames: true, repeatable: true }),
  fname: S("string", { repeatable: true }),
  plugin_name: S("string", { repeatable: true }),
  plugin: S("string"),
  excludedir: S("string", { repeatable: true }),
  options_res: S("block", { noEquals: true, repeatable: true }),
  fstype: S("list", { repeatable: true }),
  drivetype: S("list", { repeatable: true }),
  devtype: S("keyword"),
  maxblocksize: S("size", { max: UINT32_MAX }),
  cloud_driver: S("keyword"),
  uri_style: S("keyword"),
  protocol: S("keyword"),
  truncate: S("keyword"),
  upload: S("keyword"),
  transfer_priority: S("keyword"),
  objects_default_tier: S("keyword"),
  enctype: S("keyword"),
  digest_type: S("keyword"),
  cipher_type: S("keyword"),
};

export function storeOf(def: DirectiveDef): Store {
  return STORES[def.store];
}

export function isRepeatable(def: DirectiveDef): boolean {
  return Boolean(def.repeatable ?? STORES[def.store].repeatable);
}

// ---------------------------------------------------------------------------------------------
// Checking values

/** Resource names: ASCII letters, digits, `:.-_` and space (Bacula's is_name_valid), 1 to 127 bytes. */
export const NAME_CHARS = /^[A-Za-z0-9:.\-_ ]+$/;
export const MAX_NAME_BYTES = 127;
/**
 * Longest string value, in UTF-8 bytes: Bacula's token buffer (MAX_TOKEN_BYTES). The buffer holds
 * the value after unescaping, so a value of 4999 quotes, written as 9998 characters, still reads.
 */
export const MAX_STRING_BYTES = MAX_TOKEN_BYTES;
/** Characters that make Bacula shell-expand a path (do_shell_expansion), and the shell's own. */
export const SHELL_CHARS = "`$;|&<>*?\"'\\~[](){}!#";
// C0 and C1 controls and DEL; in free text (a quoted string) a tab and the Unicode line separators
// are plain characters to Bacula and read back as written, a line feed only where the store keeps it.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// eslint-disable-next-line no-control-regex
const CONTROL_TEXT_RE = /[\u0000-\u0008\u000a-\u001f\u007f-\u0084\u0086-\u009f]/u;
// eslint-disable-next-line no-control-regex
const CONTROL_TEXT_LF_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f]/u;
/** Host names and IP addresses (written unquoted). */
export const ADDRESS_RE = /^[A-Za-z0-9._:%\[\]-]{1,255}$/;

const encoder = new TextEncoder();

/** UTF-8 length (client-safe: no Buffer). */
export function utf8Bytes(v: string): number {
  return v.length * 3 <= 127 && /^[\x00-\x7f]*$/.test(v) ? v.length : encoder.encode(v).length;
}

function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return `the control character U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  if (c === "\u2028" || c === "\u2029") return "a Unicode line separator";
  return `the character ${JSON.stringify(c)}`;
}

/**
 * Why a text is refused (control characters, broken UTF-16, too long), or null. `allow`: "text"
 * lets a tab and the Unicode separators (U+0085, U+2028, U+2029) through, as free text in quotes;
 * "text+lf" a line feed too (a quoted string may go on over a line end in Bacula; the newline is
 * part of the value and cannot end the quote, so it cannot start a directive).
 */
export function textProblem(v: string, maxBytes = MAX_STRING_BYTES, allow: "none" | "text" | "text+lf" = "none"): string | null {
  const m = (allow === "text+lf" ? CONTROL_TEXT_LF_RE : allow === "text" ? CONTROL_TEXT_RE : CONTROL_RE).exec(v);
  if (m) {
    if (m[0] === "\n") return "must not contain a line break (it would start a new directive)";
    return `must not contain ${describeChar(m[0])}`;
  }
  if (!v.isWellFormed()) return "must be valid Unicode (it holds an unpaired UTF-16 surrogate)";
  const bytes = v.length * 3 <= maxBytes ? v.length : utf8Bytes(v);
  if (bytes > maxBytes) return `must be at most ${maxBytes} bytes long (it is ${bytes})`;
  return null;
}

export function nameProblem(v: string): string | null {
  if (v.length === 0) return "must not be empty";
  // The name characters are ASCII: the length is the byte count.
  if (NAME_CHARS.test(v)) return v.length > MAX_NAME_BYTES ? `must be at most ${MAX_NAME_BYTES} characters (Bacula's limit)` : null;
  const bad = [...v].find((c) => !/[A-Za-z0-9:.\-_ ]/.test(c)) ?? "";
  return `may contain only letters, digits, space and : . - _ (Bacula's name rule); it contains ${describeChar(bad)}`;
}

/** Bacula reads an unquoted name token only up to 127 bytes (T_NAME); quoted strings too. */
function nameTokenProblem(v: string): string | null {
  const t = textProblem(v, MAX_NAME_BYTES);
  if (t) return t.startsWith("must be at most") ? `must be at most ${MAX_NAME_BYTES} bytes long (Bacula's limit for this value)` : t;
  return null;
}

export function shellProblem(v: string): string | null {
  for (const c of v) {
    if (SHELL_CHARS.includes(c))
      return `must not contain ${JSON.stringify(c)}: Bacula passes this path through a shell (/bin/sh -c "echo …") when it holds shell characters`;
  }
  return null;
}

const RANGE_64 = 9.2e18; // a little under 2^63: anything above wraps negative in Bacula

/**
 * Why `value` cannot be the value of `def` (one element for list stores), or null.
 * The same check runs at save, at import and before rendering.
 */
export function valueProblem(def: DirectiveDef, value: Value, st: Store = STORES[def.store]): string | null {
  switch (st.shape) {
    case "name":
      return typeof value === "string" ? nameProblem(value) : "must be a name";
    case "string": {
      if (typeof value !== "string") return "must be text";
      if (def.store === "strname") return nameTokenProblem(value);
      // Options' Accurate, Verify and BaseJob: Bacula refuses any character but its option letters (inc_conf.c).
      if (def.letters !== undefined) {
        const bad = [...value].find((ch) => !def.letters!.includes(ch));
        if (bad !== undefined) return `takes only the option letters ${def.letters} (Bacula refuses ${JSON.stringify(bad)} in ${JSON.stringify(value)})`;
      }
      return textProblem(value, MAX_STRING_BYTES, def.store === "str" ? "text+lf" : "text");
    }
    case "password":
      if (typeof value !== "string") return "must be text";
      return textProblem(value, MAX_NAME_BYTES * 2) ?? (value === "" && def.required ? "must not be empty" : null);
    case "path": {
      if (typeof value !== "string") return "must be a path";
      return textProblem(value) ?? shellProblem(value);
    }
    case "keyword":
      return keywordProblem(def, value);
    case "int": {
      if (typeof value !== "number" || !Number.isInteger(value)) return "must be a whole number";
      const min = st.min ?? 0;
      const max = st.max ?? INT32_MAX;
      if (value < min || value > max) return `must be between ${min} and ${max} (as Bacula stores it)`;
      return null;
    }
    case "size":
    case "speed": {
      if (typeof value !== "string") return st.shape === "size" ? "must be a size such as 50G" : "must be a speed such as 10 mb/s";
      const t = textProblem(value, 64);
      if (t) return t;
      const n = sizeBytes(value, st.shape === "speed");
      if (n === undefined)
        return st.shape === "size"
          ? "must be a size such as 500M, 50G or 10 GB (k/m/g/t are 1024-based, kb/mb/gb/tb 1000-based)"
          : "must be a speed such as 500 kb/s or 10 mb/s";
      const max = st.max ?? RANGE_64;
      if (n > max) return `must be at most ${st.max ?? "about 9.2 EB"} bytes (Bacula stores it in ${st.max ? "32" : "64"} bits)`;
      return null;
    }
    case "time": {
      if (typeof value !== "string") return "must be a duration such as 30 days";
      const t = textProblem(value, 128);
      if (t) return t;
      const n = durationSeconds(value);
      if (n === undefined) return "must be a duration such as 30 days, 6 months, 1 year or 2 hours 30 minutes (m means months)";
      if (n > RANGE_64) return "is too long a duration (Bacula stores seconds in 64 bits)";
      return null;
    }
    case "bool":
      return typeof value === "boolean" ? null : "must be yes or no";
    case "list": {
      if (!Array.isArray(value) || value.length === 0) return "must be a list of at least one value";
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (typeof v !== "string") return `item ${i + 1} must be text`;
        const p = st.listOfNames ? nameProblem(v) : (textProblem(v) ?? (st.shellExpanded ? shellProblem(v) : null));
        if (p) return value.length === 1 ? p : `item ${i + 1} ${p}`;
      }
      return null;
    }
    case "address":
      return typeof value === "string" && ADDRESS_RE.test(value) ? null : "must be a host name or an IP address (letters, digits and . - : _ only)";
    case "port": {
      if (typeof value === "string" && !/^\d+$/.test(value)) return listenPort(value) === undefined ? `must be a port number between 1 and 65534 or a service name the dashboard knows (${SERVICE_NAMES})` : null;
      const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > 65534) return "must be a port number between 1 and 65534";
      return null;
    }
    case "ac":
      if (typeof value === "boolean") return null;
      if (typeof value !== "string") return def.store === "ac_res" ? "must be yes, no or the name of a Storage" : "must be yes, no, %c or the name of a Client";
      // RunsOnClient / Target also take Bacula's %c (the Job's client)
      if (def.store === "runscript_target" && /^%[a-z]$/.test(value)) return null;
      return nameProblem(value);
    case "msgs":
      return msgsProblem(def, value);
    case "addresses":
      return addressesProblem(value);
    case "run":
      if (typeof value !== "string") return "must be a schedule such as Full 1st sun at 23:05";
      return textProblem(value, 1024) ?? runTextProblem(value) ?? checkScheduleLine(value, def.store === "runres" ? "fd" : "dir").problem;
    case "block":
      return "is a block";
  }
}

/** A schedule is written unquoted: no comment, statement end or braces outside quoted parts, quotes balanced. */
function runTextProblem(v: string): string | null {
  let inQuote = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (inQuote) {
      if (c === "\\") i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === "#" || c === ";" || c === "{" || c === "}") return `must not contain ${JSON.stringify(c)} outside a quoted part (it is written unquoted)`;
  }
  return inQuote ? "has a quote that is not closed" : null;
}

function keywordProblem(def: DirectiveDef, value: Value): string | null {
  if (typeof value !== "string") return "must be one of the listed values";
  const values = def.values ?? [];
  if (values.length === 0) return textProblem(value, MAX_NAME_BYTES);
  if (values.includes(value)) return null;
  const ci = values.find((x) => x.toLowerCase() === value.toLowerCase());
  if (ci) return def.caseSensitiveValues ? `must be written ${ci}: Bacula compares it case-sensitively at run time` : null;
  return `must be one of ${values.join(", ")}`;
}

const KNOWN_MESSAGE_TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES.map((t) => t.name.toLowerCase()));

function msgsProblem(def: DirectiveDef, value: Value): string | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) return "must be a destination";
  const m = value as MsgValue;
  if (!Array.isArray(m.types) || m.types.length === 0) return "needs at least one message type";
  for (const t of m.types) {
    if (typeof t !== "string" || !/^!?[A-Za-z][A-Za-z0-9._-]*$/.test(t)) return `has an invalid message type ${JSON.stringify(t)}`;
    // Bacula's own types (any case), or a custom event `events.<name>` (scan_types refuses the rest).
    const bare = (t.startsWith("!") ? t.slice(1) : t).toLowerCase();
    if (!KNOWN_MESSAGE_TYPES.has(bare) && !(bare.startsWith("events.") && bare.length > 7))
      return `has an unknown message type "${t}" (one of ${MESSAGE_TYPES.map((x) => x.name).join(", ")}, or events.<name>)`;
  }
  // What comes before `= types` is fixed by the destination keyword (store_msgs): Console, Stdout,
  // Syslog… take no address (Bacula would read it as a message type and refuse the file), File
  // and Append exactly one name, Mail, Operator and Director a list (reading `Mail = all` Bacula
  // takes "all" for the address and then wants an `=`).
  const takes = def.destination ?? MSG_WHERE[def.name.toLowerCase()] ?? "none";
  const n = m.where?.length ?? 0;
  if (takes === "none" && m.where !== undefined) return `takes no address (write ${def.name} = types)`;
  if (takes !== "none" && n === 0) return "needs an address";
  if (takes === "one" && n > 1) return "takes a single file name";
  if (m.where) {
    if (!Array.isArray(m.where) || m.where.length === 0) return "needs an address";
    for (const w of m.where) {
      const p = typeof w === "string" ? nameTokenProblem(w) : "must be text";
      if (p) return `address ${p}`;
      if (w === "") return "address must not be empty";
    }
  }
  return null;
}

const SERVICE_NAMES = Object.keys(SERVICE_PORTS).join(", ");

function addressesProblem(value: Value): string | null {
  if (!Array.isArray(value) || value.length === 0) return "needs at least one address";
  for (const e of value as AddressEntry[]) {
    if (!e || typeof e !== "object" || !["ip", "ipv4", "ipv6"].includes(e.family)) return "each entry must be ip, ipv4 or ipv6";
    if (e.addr === undefined && e.port === undefined) return "each entry needs an addr or a port";
    if (e.addr !== undefined && !ADDRESS_RE.test(e.addr)) return "addr must be a host name or an IP address";
    if (e.port !== undefined && !/^\d+$/.test(e.port) && listenPort(e.port) === undefined) return `port must be a number or a service name the dashboard knows (${SERVICE_NAMES})`;
    if (e.port !== undefined && /^\d+$/.test(e.port) && (Number(e.port) < 1 || Number(e.port) > 65534)) return "port must be between 1 and 65534";
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Writing values

/** Double-quotes a string, escaping backslash and double quote. */
export function quote(v: string): string {
  if (!v.includes("\\") && !v.includes('"')) return `"${v}"`;
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export class StoreValueError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = "StoreValueError";
  }
}

/** The text after `Keyword = ` (not for blocks). Throws StoreValueError when the value is refused. */
export function formatValue(def: DirectiveDef, value: Value): string {
  const p = valueProblem(def, value);
  if (p) throw new StoreValueError(p);
  return formatChecked(def, value);
}

const BARE_KEYWORD = /^[A-Za-z0-9_.-]+$/;

/** The text of a value valueProblem has accepted (the caller checked it). */
export function formatChecked(def: DirectiveDef, value: Value, st: Store = STORES[def.store]): string {
  switch (st.shape) {
    case "name":
    case "string":
    case "password":
    case "path":
      return quote(value as string);
    case "keyword": {
      const v = value as string;
      const canon = def.caseSensitiveValues ? v : (def.values?.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v);
      return BARE_KEYWORD.test(canon) ? canon : quote(canon);
    }
    case "int":
      return String(value);
    case "size":
    case "speed":
    case "time":
    case "run":
    case "address":
      return String(value).trim();
    case "port":
      return String(value);
    case "bool":
      return value ? "yes" : "no";
    case "list":
      return (value as string[]).map(quote).join(", ");
    case "ac":
      return typeof value === "boolean" ? (value ? "yes" : "no") : quote(value as string);
    case "msgs": {
      const m = value as MsgValue;
      const types = m.types.join(", ");
      return m.where ? `${m.where.map(quote).join(", ")} = ${types}` : types;
    }
    case "addresses": {
      const parts = (value as AddressEntry[]).map((e) => {
        const inner = [e.addr !== undefined ? `addr = ${e.addr}` : null, e.port !== undefined ? `port = ${e.port}` : null].filter(Boolean).join("; ");
        return `${e.family} = { ${inner}; }`;
      });
      return `{ ${parts.join(" ")} }`;
    }
    case "block":
      throw new StoreValueError("is a block");
  }
}

// ---------------------------------------------------------------------------------------------
// Reading values (the way each store function reads its tokens)

export interface ReadResult {
  value?: Value;
  /** Problems, with "error" refusing the value and "warning" keeping it. */
  problems: { severity: "error" | "warning"; message: string }[];
}

const isNameTok = (t: Tok) => t === Tok.IDENTIFIER || t === Tok.UNQUOTED || t === Tok.QUOTED;

/**
 * Reads one value token (T_NAME / T_STRING expectation): an identifier, an unquoted or a quoted
 * string. A bare number (`Description = 0`) is a number token, which Bacula refuses there.
 */
function readToken(lx: Lexer, what: string, r: ReadResult): string | undefined {
  const t = lx.next();
  if (!isNameTok(t)) {
    r.problems.push({
      severity: "error",
      message: t === Tok.NUMBER ? `expected ${what}, found the bare number ${lx.str} (Bacula refuses a number here: quote it, "${lx.str}")` : `expected ${what}, found ${TOK_NAMES[t]}`,
    });
    if (t === Tok.EOB) lx.pushBack();
    else if (t === Tok.NUMBER) rest(lx, { problems: [] });
    return undefined;
  }
  return lx.str;
}

/** After a single-token value: Bacula ignores the rest of the line; we say so when there is any. */
function rest(lx: Lexer, r: ReadResult): void {
  let extra = false;
  for (;;) {
    const t = lx.next();
    if (t === Tok.EOL || t === Tok.EOF) break;
    if (t === Tok.EOB) {
      lx.pushBack();
      break;
    }
    extra = true;
  }
  if (extra) r.problems.push({ severity: "warning", message: "has more on the line after its value; Bacula ignores it (so do we)" });
}

/** Tokens joined while the next character is a space (store_time / store_size), then the rest of the line. */
function readUnitValue(lx: Lexer, r: ReadResult, what: string): string | undefined {
  const t = lx.next(true);
  if (!(t === Tok.NUMBER || t === Tok.IDENTIFIER || t === Tok.UNQUOTED)) {
    r.problems.push({ severity: "error", message: `expected ${what}${t === Tok.QUOTED ? " (unquoted)" : ""}, found ${TOK_NAMES[t]}` });
    if (t === Tok.EOB) lx.pushBack();
    else if (t !== Tok.EOL && t !== Tok.EOF) rest(lx, { problems: [] });
    return undefined;
  }
  const parts = [lx.str];
  while (lx.after === 32 || lx.after === 9) {
    const u = lx.next();
    if (u === Tok.NUMBER || u === Tok.IDENTIFIER || u === Tok.UNQUOTED) parts.push(lx.str);
    else {
      if (u === Tok.EOB) lx.pushBack();
      if (u === Tok.EOL || u === Tok.EOF || u === Tok.EOB) return parts.join(" ");
      break;
    }
  }
  rest(lx, r);
  return parts.join(" ");
}

/** A comma list (store_alist_res / alist_str / acl): items separated by a comma right after each item. */
function readList(lx: Lexer, r: ReadResult): string[] | undefined {
  const out: string[] = [];
  for (;;) {
    const v = readToken(lx, "a value", r);
    if (v === undefined) return undefined;
    out.push(v);
    if (lx.after !== 44 /* , */) break;
    lx.next(); // the comma
  }
  if (!lx.restOfLineIsEmpty()) r.problems.push({ severity: "error", message: "has unexpected characters after its list (write items as \"a\", \"b\")" });
  rest(lx, { problems: [] });
  return out;
}

function readMsgs(lx: Lexer, def: DirectiveDef, r: ReadResult): MsgValue | undefined {
  const takesWhere = def.destination === "none" ? undefined : (def.destination ?? MSG_WHERE[def.name.toLowerCase()]);
  let where: string[] | undefined;
  if (takesWhere) {
    where = [];
    for (;;) {
      const w = readToken(lx, "a destination", r);
      if (w === undefined) return undefined;
      where.push(w);
      const t = lx.next(true);
      if (t === Tok.COMMA && takesWhere === "list") continue;
      if (t !== Tok.EQUALS) {
        r.problems.push({ severity: "error", message: `expected "=" after the destination, found ${TOK_NAMES[t]}` });
        if (t === Tok.EOB) lx.pushBack();
        return undefined;
      }
      break;
    }
  }
  const types: string[] = [];
  for (;;) {
    const t = readToken(lx, "a message type", r);
    if (t === undefined) return undefined;
    types.push(t);
    if (lx.after !== 44) break;
    lx.next();
  }
  rest(lx, r);
  return where ? { where, types } : { types };
}

/** Destination keywords that take an address list ("list") or a single name ("one"). */
const MSG_WHERE: Readonly<Record<string, "list" | "one" | undefined>> = {
  mail: "list",
  mailonerror: "list",
  mailonsuccess: "list",
  operator: "list",
  director: "list",
  file: "one",
  append: "one",
};

function readAddresses(lx: Lexer, r: ReadResult): AddressEntry[] | undefined {
  // Braces open inside the block: on an error the rest of the block is skipped to its end, so that
  // the directives after it are read as directives (not as more errors).
  let depth = 0;
  const next = (): Tok => {
    const t = lx.next(true);
    if (t === Tok.BOB) depth++;
    else if (t === Tok.EOB) depth--;
    return t;
  };
  const fail = (m: string) => {
    r.problems.push({ severity: "error", message: m });
    for (let t = lx.token; depth > 0 && t !== Tok.EOF; ) t = next();
    return undefined;
  };
  if (next() !== Tok.BOB) {
    depth = 0;
    return fail("expected a block { ip = { addr = …; port = … } }");
  }
  const out: AddressEntry[] = [];
  let t = next();
  if (t === Tok.EOB) return fail("an empty address block is not allowed");
  for (;;) {
    if (!(t === Tok.IDENTIFIER || t === Tok.UNQUOTED)) return fail(`expected ip, ipv4 or ipv6, found ${TOK_NAMES[t]}`);
    const fam = lx.str.toLowerCase();
    if (fam !== "ip" && fam !== "ipv4" && fam !== "ipv6") return fail("expected ip, ipv4 or ipv6");
    if (next() !== Tok.EQUALS) return fail('expected "=" after the address family');
    if (next() !== Tok.BOB) return fail("expected { after the address family");
    const e: AddressEntry = { family: fam };
    t = next();
    while (t === Tok.IDENTIFIER) {
      const key = lx.str.toLowerCase();
      if (key !== "addr" && key !== "port") return fail("expected addr or port");
      if (next() !== Tok.EQUALS) return fail(`expected "=" after ${key}`);
      const v = next();
      if (!(v === Tok.IDENTIFIER || v === Tok.UNQUOTED || (v === Tok.NUMBER && key === "port"))) return fail(`expected a value for ${key} (unquoted)`);
      if (e[key] !== undefined) return fail(`only one ${key} per address block`);
      e[key as "addr" | "port"] = lx.str;
      t = next();
    }
    if (t !== Tok.EOB) return fail("expected } to end the address");
    out.push(e);
    t = next();
    if (t === Tok.EOB) break;
  }
  return out;
}

/**
 * A schedule specification up to the end of the statement, read as Bacula's store_run reads it
 * (words are strings, not identifiers), kept as text: `Level=Full Pool=Monthly 1st sun at 23:05`.
 */
function readRun(lx: Lexer, r: ReadResult): string | undefined {
  const parts: string[] = [];
  const saved = lx.mode;
  lx.mode = "noIdent";
  try {
    for (;;) {
      const t = lx.next();
      if (t === Tok.EOL || t === Tok.EOF) break;
      if (t === Tok.EOB) {
        // Bacula reads a schedule to the end of its line: a } on the same line is refused.
        r.problems.push({ severity: "error", message: "must end its line (or ;) before the closing }" });
        lx.pushBack();
        break;
      }
      if (t === Tok.BOB || t === Tok.ERROR) {
        r.problems.push({ severity: "error", message: `has an unexpected ${TOK_NAMES[t]} in its schedule` });
        rest(lx, { problems: [] });
        return undefined;
      }
      // "=" and "," glue to their neighbours: Level=Full, Pool=Daily, 1st,3rd sun
      const text = t === Tok.QUOTED ? quote(lx.str) : lx.str;
      if (t === Tok.EQUALS || t === Tok.COMMA) parts.push(text);
      else {
        const prev = parts[parts.length - 1];
        if (prev !== undefined && prev !== "=" && prev !== ",") parts.push(" ");
        parts.push(text);
      }
    }
  } finally {
    lx.mode = saved;
  }
  const text = parts.join("");
  if (text === "") {
    r.problems.push({ severity: "error", message: "has no schedule" });
    return undefined;
  }
  return text;
}

/** Reads the value of a (non-block) directive after its `=`. */
export function readValue(lx: Lexer, def: DirectiveDef): ReadResult {
  const r: ReadResult = { problems: [] };
  const st = STORES[def.store];
  switch (st.shape) {
    case "name":
    case "string":
    case "password":
    case "path":
    case "keyword": {
      const saved = lx.mode;
      if (def.store === "lopts") lx.mode = "string";
      const v = readToken(lx, "a value", r);
      lx.mode = saved;
      if (v === undefined) return r;
      rest(lx, r);
      if (st.shape === "keyword" && def.values && def.values.length > 0) {
        const canon = def.values.find((x) => x.toLowerCase() === v.toLowerCase());
        if (!canon) {
          r.problems.push({ severity: "error", message: `has an unknown value; expected one of ${def.values.join(", ")}` });
          return r;
        }
        if (def.caseSensitiveValues && canon !== v)
          r.problems.push({ severity: "warning", message: `is written "${v}", not ${canon}: Bacula compares it case-sensitively at run time; kept as written` });
        r.value = def.caseSensitiveValues ? v : canon;
        return r;
      }
      r.value = v;
      return r;
    }
    case "int": {
      const t = lx.next();
      if (t !== Tok.NUMBER && !(st.anyTokenNumber && (t === Tok.QUOTED || t === Tok.UNQUOTED || t === Tok.IDENTIFIER) && /^\+?\d+$/.test(lx.str))) {
        r.problems.push({ severity: "error", message: `expected a whole number, found ${TOK_NAMES[t]}` });
        if (t === Tok.EOB) lx.pushBack();
        else if (t !== Tok.EOL && t !== Tok.EOF) rest(lx, { problems: [] });
        return r;
      }
      const n = Number(lx.str);
      rest(lx, r);
      r.value = n;
      return r;
    }
    case "size":
    case "speed":
    case "time": {
      const v = readUnitValue(lx, r, st.shape === "time" ? "a duration" : st.shape === "size" ? "a size" : "a speed");
      if (v !== undefined) r.value = v;
      return r;
    }
    case "bool": {
      const v = readToken(lx, "yes or no", r);
      if (v === undefined) return r;
      rest(lx, r);
      const l = v.toLowerCase();
      if (l === "yes" || l === "true") r.value = true;
      else if (l === "no" || l === "false") r.value = false;
      else r.problems.push({ severity: "error", message: "expects yes, no, true or false" });
      return r;
    }
    case "ac": {
      const v = readToken(lx, "yes, no or a Storage name", r);
      if (v === undefined) return r;
      rest(lx, r);
      const l = v.toLowerCase();
      r.value = l === "yes" || l === "true" ? true : l === "no" || l === "false" ? false : v;
      return r;
    }
    case "list": {
      const v = readList(lx, r);
      if (v !== undefined) r.value = v;
      return r;
    }
    case "address":
    case "port": {
      const t = lx.next(true);
      if (!(t === Tok.IDENTIFIER || t === Tok.UNQUOTED || t === Tok.NUMBER)) {
        r.problems.push({ severity: "error", message: `expected ${st.shape === "port" ? "a port" : "a host name or IP address"} (unquoted), found ${TOK_NAMES[t]}` });
        if (t === Tok.EOB) lx.pushBack();
        else if (t !== Tok.EOL && t !== Tok.EOF) rest(lx, { problems: [] });
        return r;
      }
      const v = lx.str;
      rest(lx, r);
      // A port as a service name (DirPort = bacula-dir) is kept as its number: Bacula resolves it at
      // parse time, and the model's port columns are numbers.
      r.value = st.shape === "port" ? (listenPort(v) ?? (/^\d+$/.test(v) ? Number(v) : v)) : v;
      return r;
    }
    case "msgs": {
      const v = readMsgs(lx, def, r);
      if (v !== undefined) r.value = v;
      return r;
    }
    case "addresses": {
      const v = readAddresses(lx, r);
      if (v !== undefined) r.value = v;
      else rest(lx, { problems: [] });
      return r;
    }
    case "run": {
      const v = readRun(lx, r);
      if (v !== undefined) r.value = v;
      return r;
    }
    case "block":
      r.problems.push({ severity: "error", message: "is a block" });
      return r;
  }
}
