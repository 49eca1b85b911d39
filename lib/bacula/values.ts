/**
 * Checking and writing single directive values. Shared by the renderer and the validator.
 */
import { MESSAGE_KINDS, MESSAGE_TYPES, type DirectiveSpec } from "./directives";
import type { MessageDestination } from "./model";
import { durationToSeconds, sizeToBytes } from "./units";

/** Resource names: letters, digits, `:.-_` and space, 1 to 127 characters (ASCII letters: Bacula rejects "ü"). */
export const NAME_RE = /^[A-Za-z0-9:.\-_ ]{1,127}$/;

/**
 * Longest string value written, in UTF-8 bytes. bacula-dir 15.0.3 handles quoted
 * tokens of about 4.9 kB and crashes on longer ones (buffer overrun at 5000,
 * "Config token too long" from 8000); 2048 bytes leaves room for escaping.
 */
export const MAX_STRING_BYTES = 2048;

/** Host names and IP addresses (written unquoted). */
export const ADDRESS_RE = /^[A-Za-z0-9._:%/\[\]-]{1,255}$/;

/** Schedule Run specifications are written unquoted: only these characters. */
export const SCHEDULE_RUN_RE = /^[A-Za-z0-9][A-Za-z0-9 :=,._/+-]{0,511}$/;

export class ValueError extends Error {}

/** Why a name is refused, or null. */
export function checkName(v: unknown): string | null {
  if (typeof v !== "string") return "must be a string";
  if (NAME_RE.test(v)) return null; // fast path: most names are fine
  if (v.length === 0) return "must not be empty";
  if (v.length > 127) return `is ${v.length} characters long; Bacula allows at most 127`;
  const bad = [...v].find((c) => !/[A-Za-z0-9:.\-_ ]/.test(c));
  if (bad !== undefined) return `contains ${describeChar(bad)}; names allow only letters, digits, ':', '.', '-', '_' and space`;
  return null;
}

function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return `the control character U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return `the character ${JSON.stringify(c)}`;
}

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** Longest message destination address / file / Director name (a Bacula "name" token). */
export const MAX_NAME_TOKEN = 127;

/** Why a free-text value is refused, or null. `maxLength` (UTF-8 bytes) for Bacula's 127-character name tokens. */
export function checkText(v: unknown, maxLength?: number): string | null {
  if (typeof v !== "string") return "must be a string";
  const m = CONTROL_RE.exec(v);
  if (m) {
    const c = m[0];
    if (c === "\n") return "contains a newline, which would start a new directive";
    if (c === "\r") return "contains a carriage return";
    return `contains ${describeChar(c)}`;
  }
  if (!v.isWellFormed()) return "contains an unpaired UTF-16 surrogate (not valid Unicode)";
  // At most 3 UTF-8 bytes per UTF-16 unit: short strings need no byte count.
  if (v.length * 3 <= (maxLength ?? MAX_STRING_BYTES) && v.length * 3 <= MAX_STRING_BYTES) return null;
  const bytes = Buffer.byteLength(v, "utf8");
  if (maxLength !== undefined && bytes > maxLength) return `is ${bytes} bytes long; Bacula allows at most ${maxLength} here`;
  if (bytes > MAX_STRING_BYTES) return `is ${bytes} bytes long; at most ${MAX_STRING_BYTES} are allowed`;
  return null;
}

/** Double-quote a string for a Bacula config, escaping backslash and double quote. */
export function quote(v: string): string {
  if (!v.includes("\\") && !v.includes('"')) return `"${v}"`;
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function need(problem: string | null): void {
  if (problem) throw new ValueError(problem);
}

function formatName(v: unknown): string {
  need(checkName(v));
  return quote(v as string);
}

function formatText(v: unknown, maxLength?: number): string {
  need(checkText(v, maxLength));
  return quote(v as string);
}

function intProblem(v: unknown, min: number, max: number): string | null {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) return "must be an integer";
  if (v < min || v > max) return `must be between ${min} and ${max}`;
  return null;
}

function formatBool(v: unknown): string {
  if (typeof v !== "boolean") throw new ValueError("must be true or false");
  return v ? "yes" : "no";
}

export function checkSize(v: unknown): string | null {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? null : "must be a non-negative integer";
  if (typeof v !== "string") return "must be a size such as 50G";
  if (!/^\d+(\.\d+)?( ?[kKmMgGtT][bB]?)?$/.test(v) || sizeToBytes(v) === undefined)
    return "must be a size such as 500M, 50G or 10 GB (k/m/g/t = 1024-based, kb/mb/gb/tb = 1000-based)";
  return null;
}

export function checkTime(v: unknown): string | null {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? null : "must be a non-negative integer";
  if (typeof v !== "string") return "must be a duration such as 365 days";
  if (!/^\d+(\.\d+)?( ?[A-Za-z]+)?( \d+(\.\d+)?( ?[A-Za-z]+)?)*$/.test(v) || durationToSeconds(v) === undefined)
    return "must be a duration such as 30 days, 6 months, 1 year or 2 hours 30 minutes";
  return null;
}

function enumProblem(spec: DirectiveSpec, v: unknown): string | null {
  const values = spec.values ?? [];
  if (typeof v !== "string" || !values.includes(v)) {
    const ci = typeof v === "string" ? values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
    if (ci) return `must be written ${ci} (canonical spelling), not ${v}`;
    return `must be one of ${values.join(", ")}`;
  }
  return null;
}

export function checkScheduleRun(v: unknown): string | null {
  if (typeof v !== "string") return "must be a string";
  const t = checkText(v);
  if (t) return t;
  if (!SCHEDULE_RUN_RE.test(v))
    return "must look like 'Full 1st sun at 23:05' (letters, digits, spaces and : = , . _ / + - only; it is written unquoted)";
  return null;
}

export function formatDestination(dest: MessageDestination): { keyword: string; value: string } {
  if (!dest || typeof dest !== "object") throw new ValueError("must be a destination object");
  const spec = MESSAGE_KINDS.find((k) => k.kind === dest.kind);
  if (!spec) throw new ValueError(`unknown destination kind ${JSON.stringify(dest.kind)}`);
  if (!Array.isArray(dest.types) || dest.types.length === 0) throw new ValueError(`${spec.keyword}: needs at least one message type`);
  const types = dest.types.map((t) => {
    if (typeof t !== "string" || !/^!?[A-Za-z]+$/.test(t) || !(MESSAGE_TYPES as readonly string[]).includes(t.replace(/^!/, "").toLowerCase()))
      throw new ValueError(`${spec.keyword}: unknown message type ${JSON.stringify(t)}; use ${MESSAGE_TYPES.join(", ")} (optionally prefixed by !)`);
    return t;
  });
  let where = "";
  if (dest.where !== undefined) {
    if (spec.where === "none") throw new ValueError(`${spec.keyword} takes no address`);
    const p = checkText(dest.where, MAX_NAME_TOKEN);
    if (p) throw new ValueError(`${spec.keyword} address ${p}`);
    if (dest.where === "") throw new ValueError(`${spec.keyword} address must not be empty`);
    where = `${quote(dest.where)} = `;
  } else if (spec.where === "required") {
    throw new ValueError(`${spec.keyword} needs an address (${spec.whereLabel})`);
  }
  return { keyword: spec.keyword, value: where + types.join(", ") };
}

/**
 * Why one value of a directive (for repeated types, one element) cannot be written, or null.
 * The same check as formatValue, without building the text: the validator calls this.
 */
export function valueProblem(spec: DirectiveSpec, v: unknown): string | null {
  switch (spec.type) {
    case "name":
    case "ref":
      return checkName(v);
    case "ref-list": {
      if (!Array.isArray(v)) return "must be a list of names";
      for (let i = 0; i < v.length; i++) {
        const p = checkName(v[i]);
        if (p) return `item ${i + 1} ${p}`;
      }
      return null;
    }
    case "string":
    case "path":
    case "password":
    case "run-line":
    case "path-list":
      return checkText(v, spec.maxLength);
    case "address":
      return typeof v !== "string" || !ADDRESS_RE.test(v)
        ? "must be a host name or IP address (letters, digits and . - : _ only)"
        : null;
    case "int":
      return intProblem(v, 0, Number.MAX_SAFE_INTEGER);
    case "port":
      return intProblem(v, 1, 65535);
    case "bool":
      return typeof v !== "boolean" ? "must be true or false" : null;
    case "size":
      return checkSize(v);
    case "time":
      return checkTime(v);
    case "enum":
      return enumProblem(spec, v);
    case "bool-or-ref":
      return typeof v === "boolean" ? null : checkName(v);
    case "schedule-run":
      return checkScheduleRun(v);
    case "msg-destination":
      try {
        formatDestination(v as MessageDestination);
        return null;
      } catch (e) {
        if (e instanceof ValueError) return e.message;
        throw e;
      }
  }
}

/**
 * Text after `Keyword = ` for one value of a directive (for repeated types, one element).
 * Throws ValueError with a message when the value cannot be written safely.
 */
export function formatValue(spec: DirectiveSpec, v: unknown): string {
  switch (spec.type) {
    case "name":
    case "ref":
      return formatName(v);
    case "ref-list": {
      if (!Array.isArray(v)) throw new ValueError("must be a list of names");
      let out = "";
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        const p = checkName(x);
        if (p) throw new ValueError(`item ${i + 1} ${p}`);
        out += i === 0 ? quote(x as string) : `, ${quote(x as string)}`;
      }
      return out;
    }
    case "string":
    case "path":
    case "password":
    case "run-line":
    case "path-list":
      return formatText(v, spec.maxLength);
    case "address":
      if (typeof v !== "string" || !ADDRESS_RE.test(v))
        throw new ValueError("must be a host name or IP address (letters, digits and . - : _ only)");
      return v;
    case "int":
      need(intProblem(v, 0, Number.MAX_SAFE_INTEGER));
      return String(v);
    case "port":
      need(intProblem(v, 1, 65535));
      return String(v);
    case "bool":
      return formatBool(v);
    case "size":
      need(checkSize(v));
      return String(v);
    case "time":
      need(checkTime(v));
      return String(v);
    case "enum":
      need(enumProblem(spec, v));
      return v as string;
    case "bool-or-ref":
      return typeof v === "boolean" ? formatBool(v) : formatName(v);
    case "schedule-run":
      need(checkScheduleRun(v));
      return v as string;
    case "msg-destination":
      return formatDestination(v as MessageDestination).value;
  }
}
