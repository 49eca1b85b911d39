/**
 * Masking of secrets in Bacula config text (rendered files, live files, unified diffs, step logs)
 * before it is sent to a browser. Rendered configs necessarily hold the daemons' passwords; the
 * API shows the structure and which lines changed, never the values.
 *
 * Bacula compares directive keywords without case and ignoring spaces (`DB Password`,
 * `dbpassword`), and a hand-written live file may hold several directives on one line separated by
 * `;`. Every `Password = <value>` / `DbPassword = <value>` (also `FdPassword`, `SdPassword` and
 * Cloud `SecretKey`; quoted or bare) is replaced, wherever it
 * starts a line (after a diff marker and indentation) or follows `;` / `{`.
 */
export const SECRET_MASK = '"••••••••"';

// Password with its DB / FD / SD prefixes (the tables' aliases), and Cloud SecretKey.
const SECRET_DIRECTIVE =
  /(^[+\- ]?[ \t]*|[;{][ \t]*)((?:(?:(?:d[ \t]*b|f[ \t]*d|s[ \t]*d)[ \t]*)?p[ \t]*a[ \t]*s[ \t]*s[ \t]*w[ \t]*o[ \t]*r[ \t]*d|s[ \t]*e[ \t]*c[ \t]*r[ \t]*e[ \t]*t[ \t]*k[ \t]*e[ \t]*y)[ \t]*=[ \t]*)("(?:[^"\\\n]|\\.)*"?|[^\s;}]+)/gim;

/** The text with every password directive's value replaced by a mask. */
export function maskConfigSecrets(text: string): string {
  return text.replace(SECRET_DIRECTIVE, (_m, lead: string, keyword: string) => `${lead}${keyword}${SECRET_MASK}`);
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
