/**
 * Masking of secrets in Bacula config text (rendered files, live files, unified diffs, step logs)
 * before it is sent to a browser or stored in a deploy's logs. The API shows the structure and
 * which lines changed, never a password.
 *
 * Bacula compares keywords without case and ignoring spaces (`DB Password`, `dbpassword`), and a
 * hand-written live file may hold several directives on one line separated by `;` or after `{`.
 * Each line is read the way Bacula's lexer reads it: a quoted string is one token (a `;` or
 * `Password =` inside it is part of the value and is left alone), `#` outside quotes starts a
 * comment. Every `Password = <value>` / `DbPassword = <value>` (also `FdPassword`, `SdPassword`, Cloud
 * `SecretKey`) that starts a directive (at the start
 * of a line, after a diff marker and indentation, or after `;` / `{`) has its value replaced.
 */
export const SECRET_MASK = '"••••••••"';

const LEAD = /^[+\- ]?[ \t]*/;
// Password with its DB / FD / SD prefixes (the directive tables' aliases), and Cloud SecretKey:
// every directive the tables mark as a secret.
const KEYWORD = /^(?:(?:(?:d[ \t]*b|f[ \t]*d|s[ \t]*d)[ \t]*)?p[ \t]*a[ \t]*s[ \t]*s[ \t]*w[ \t]*o[ \t]*r[ \t]*d|s[ \t]*e[ \t]*c[ \t]*r[ \t]*e[ \t]*t[ \t]*k[ \t]*e[ \t]*y)[ \t]*=[ \t]*/i;
const BARE_VALUE = /^[^\s;}]+/;

/** Index just past the quoted string starting at `at` (or the end of the line when unterminated). */
function quotedEnd(line: string, at: number): number {
  let i = at + 1;
  while (i < line.length) {
    const c = line[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return line.length;
}

function maskLine(line: string): string {
  const lead = LEAD.exec(line)![0];
  let out = lead;
  let i = lead.length;
  let atDirective = true;
  while (i < line.length) {
    if (atDirective) {
      atDirective = false;
      const m = KEYWORD.exec(line.slice(i));
      if (m) {
        out += m[0] + SECRET_MASK;
        i += m[0].length;
        if (line[i] === '"') i = quotedEnd(line, i);
        else i += BARE_VALUE.exec(line.slice(i))?.[0].length ?? 0;
        continue;
      }
    }
    const c = line[i];
    if (c === '"') {
      const end = quotedEnd(line, i);
      out += line.slice(i, end);
      i = end;
    } else if (c === "#") {
      out += line.slice(i);
      break;
    } else if (c === ";" || c === "{") {
      const ws = /^[ \t]*/.exec(line.slice(i + 1))![0];
      out += c + ws;
      i += 1 + ws.length;
      atDirective = true;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The text with every password directive's value replaced by a mask. */
export function maskConfigSecrets(text: string): string {
  return text.split("\n").map(maskLine).join("\n");
}

/** Every string inside a JSON-like value passed through maskConfigSecrets (Dates and others kept). */
export function maskSecretsDeep<T>(value: T): T {
  if (typeof value === "string") return maskConfigSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskSecretsDeep(v)) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskSecretsDeep(v);
    return out as T;
  }
  return value;
}
