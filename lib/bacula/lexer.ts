/**
 * The one lexer for Bacula config files, with the rules of Bacula's own scanner (lib/lex.c), so
 * that what we read is what Bacula reads:
 * - `#` starts a comment; `;` ends a statement like a line end; `{ } = ,` are tokens;
 * - a word starting with a letter is an identifier that absorbs the spaces between its letters
 *   (`Maximum Concurrent Jobs` is `MaximumConcurrentJobs`, an unquoted `Hello World` is
 *   `HelloWorld`) and becomes an unquoted string at the first other character;
 * - digits make a number, or an unquoted string when followed by something else (`50G`, `23:05`);
 * - an unquoted string ends at a space, `= { } ; , #` or the line end;
 * - a double-quoted string takes `\x` as `x` and continues over line ends (the newline is kept);
 * - a backslash followed by a space or the line end joins the next line;
 * - `@path` or `@"path"` includes a file (read through the caller's `include` hook; `@|cmd`
 *   piped includes go to the same hook, which decides);
 * - a UTF-8 byte order mark at the very start is skipped; `\r\n` and a lone `\r` end a line.
 *
 * Pure: no I/O. Positions (file, line) are kept for every token.
 */

export const enum Tok {
  EOF = 0,
  EOL = 1,
  BOB = 2,
  EOB = 3,
  EQUALS = 4,
  COMMA = 5,
  NUMBER = 6,
  IDENTIFIER = 7,
  UNQUOTED = 8,
  QUOTED = 9,
  ERROR = 10,
}

export const TOK_NAMES = ["end of file", "end of line", "{", "}", "=", ",", "number", "identifier", "unquoted string", "quoted string", "error"];

/** What an `@` include resolves to. */
export type IncludeResult =
  /** `warning`: said at the include's line (what Bacula reads silently, such as a `cat` of no file). */
  | { kind: "files"; files: { name: string; text: string }[]; warning?: string }
  | { kind: "error"; message: string };

export interface LexerHooks {
  /** Resolves an include (`@path`, `@"path"`, `@|command`); `from` is the including file. */
  include?: (target: string, from: string, line: number) => IncludeResult;
  /** Reports a lexical problem (unterminated string, include failure…): an error unless said otherwise. */
  issue?: (file: string, line: number, message: string, severity?: "error" | "warning") => void;
}

interface Source {
  text: string;
  file: string;
  i: number;
  line: number;
}

const MAX_INCLUDE_DEPTH = 32;
/**
 * Text read through includes in all, counting each time a file is included again: includes that fan
 * out (a file that includes the next one twice, 20 levels down) would otherwise read the same few
 * files millions of times. As much as one import may read (lib/config/read-limits.ts), and at most
 * MAX_INCLUDES includes.
 */
export const MAX_INCLUDED_CHARS = 16 * 1024 * 1024;
export const MAX_INCLUDES = 10_000;
/**
 * Bacula's token buffer is 5000 bytes (lex.c get_memory(5000)): a token of 4999 UTF-8 bytes is
 * read, one of 5000 crashes bdirjson and a longer one stops it ("Config token too long").
 */
export const MAX_TOKEN_BYTES = 4999;

/** UTF-8 length of a JS string (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Spaces an identifier absorbs between its letters. */
const isInnerSpace = (c: number) => c === 32 || c === 9 || c === 11 || c === 12;
/** Characters that end an identifier (and are read again as the next token): line ends, `= } { ; , " #`. */
const isWordEnd = (c: number) => c === 10 || c === 13 || c === 61 || c === 125 || c === 123 || c === 59 || c === 44 || c === 34 || c === 35;

/** End of line (after `\n`, `\r\n` or `\r`), as a char code sentinel. */
const EOL_CH = -2;
const EOF_CH = -1;

export class Lexer {
  /** Value of the last token: the string content, the identifier without its spaces, the number text. */
  str = "";
  token: Tok = Tok.EOL;
  /** File and line where the last token began. */
  file: string;
  line = 1;
  /** The character after the last token (Bacula's lc->ch), as a code; EOL_CH / EOF_CH at ends. */
  after = EOL_CH;
  /**
   * Bacula's LOPT_NO_IDENT (Schedule Run lines): words are unquoted strings, spaces are not absorbed.
   * "string": LOPT_STRING (FileSet option letters): digits too start an unquoted string.
   */
  mode: "normal" | "noIdent" | "string" = "normal";

  private stack: Source[] = [];
  /** Includes still allowed, and the text they have read (MAX_INCLUDES, MAX_INCLUDED_CHARS). */
  private includesLeft = MAX_INCLUDES;
  private includedChars = 0;
  private includeCapSaid = false;
  private cur: Source;
  private readonly hooks: LexerHooks;

  constructor(text: string, file: string, hooks: LexerHooks = {}) {
    this.hooks = hooks;
    // A UTF-8 byte order mark is skipped (Bacula's T_UTF8_BOM at the very start).
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.cur = { text: body, file, i: 0, line: 1 };
    this.file = file;
  }

  get currentFile(): string {
    return this.cur.file;
  }

  get currentLine(): number {
    return this.cur.line;
  }

  private issue(message: string, line = this.cur.line, file = this.cur.file, severity: "error" | "warning" = "error") {
    this.hooks.issue?.(file, line, message, severity);
  }

  /** Next character code of the current source, with line ends folded into EOL_CH; pops finished includes. */
  private getc(): number {
    const s = this.cur;
    if (s.i >= s.text.length) {
      if (this.stack.length > 0) {
        // The included text ends like the line that held the include.
        this.cur = this.stack.pop()!;
        return EOL_CH;
      }
      return EOF_CH;
    }
    const c = s.text.charCodeAt(s.i++);
    if (c === 10) {
      s.line++;
      return EOL_CH;
    }
    if (c === 13) {
      if (s.text.charCodeAt(s.i) === 10) s.i++;
      s.line++;
      return EOL_CH;
    }
    return c;
  }

  /** Puts the last character back (only ever one, of the current source). */
  private ungetc(c: number) {
    if (c === EOF_CH) return;
    const s = this.cur;
    if (c === EOL_CH) {
      // step back over \n, \r\n or \r
      s.i--;
      if (s.text.charCodeAt(s.i) === 10 && s.i > 0 && s.text.charCodeAt(s.i - 1) === 13) s.i--;
      s.line--;
      return;
    }
    s.i--;
  }

  private peekc(): number {
    const s = this.cur;
    if (s.i >= s.text.length) return this.stack.length > 0 ? EOL_CH : EOF_CH;
    const c = s.text.charCodeAt(s.i);
    return c === 10 || c === 13 ? EOL_CH : c;
  }

  private pushedBack = false;

  /** Makes the next `next()` return the current token again (one token, as Bacula's unget of `}`). */
  pushBack(): void {
    this.pushedBack = true;
  }

  /** Reads the next token. `skipEol`: line ends and `;` are not tokens (Bacula's T_SKIP_EOL). */
  next(skipEol = false): Tok {
    if (this.pushedBack) {
      this.pushedBack = false;
      if (!(skipEol && this.token === Tok.EOL)) return this.token;
    }
    for (;;) {
      const c = this.getc();
      if (c === EOF_CH) return this.set(Tok.EOF, "");
      if (c === EOL_CH || c === 59 /* ; */) {
        if (!skipEol) return this.set(Tok.EOL, c === 59 ? ";" : "\n", c === EOL_CH ? this.cur.line - 1 : this.cur.line);
        continue;
      }
      if (isSpace(c)) continue;
      const startLine = this.cur.line;
      if (isAlpha(c)) return this.mode === "normal" ? this.word(c, startLine) : this.unquoted(c, startLine);
      if (isDigit(c)) return this.mode === "string" ? this.unquoted(c, startLine) : this.number(c, startLine);
      switch (c) {
        case 35 /* # */: {
          // comment to the end of the line; the line end is a token
          let d = this.getc();
          while (d !== EOL_CH && d !== EOF_CH) d = this.getc();
          if (d === EOF_CH) return this.set(Tok.EOF, "");
          if (!skipEol) return this.set(Tok.EOL, "\n", startLine);
          continue;
        }
        case 92 /* \ */: {
          // Bacula drops the backslash and the character after it; before a space or the line
          // end, the rest of the line is dropped too and the statement goes on on the next line.
          const d = this.getc();
          if (d === 32) {
            let e = this.getc();
            while (e !== EOL_CH && e !== EOF_CH) e = this.getc();
          }
          continue;
        }
        case 123 /* { */:
          return this.set(Tok.BOB, "{", startLine);
        case 125 /* } */:
          return this.set(Tok.EOB, "}", startLine);
        case 61 /* = */:
          return this.set(Tok.EQUALS, "=", startLine);
        case 44 /* , */:
          return this.set(Tok.COMMA, ",", startLine);
        case 34 /* " */:
          return this.quoted(startLine);
        case 64 /* @ */:
          if (this.includeDirective(startLine)) continue;
          return this.set(Tok.ERROR, "@", startLine);
        default:
          return this.unquoted(c, startLine);
      }
    }
  }

  private set(t: Tok, str: string, line = this.cur.line): Tok {
    this.token = t;
    this.str = str;
    this.line = line;
    this.file = this.cur.file;
    if (t !== Tok.EOL && t !== Tok.EOF) this.after = this.peekc();
    else this.after = t === Tok.EOF ? EOF_CH : EOL_CH;
    return t;
  }

  private tooLong(buf: string, line: number): boolean {
    if (buf.length * 3 > MAX_TOKEN_BYTES && utf8Length(buf) > MAX_TOKEN_BYTES) {
      this.issue(`a token longer than ${MAX_TOKEN_BYTES} bytes (Bacula's limit)`, line);
      return true;
    }
    return false;
  }

  /** Identifier: letters with the spaces between them dropped; any other character makes it an unquoted string. */
  private word(first: number, line: number): Tok {
    {
      // fast path: letters up to a terminator (no inner spaces)
      const s = this.cur;
      const text = s.text;
      let j = s.i;
      while (j < text.length && isAlpha(text.charCodeAt(j))) j++;
      const c = j < text.length ? text.charCodeAt(j) : -1;
      if (c === -1 || isWordEnd(c)) {
        const buf = text.slice(s.i - 1, j);
        s.i = j;
        if (this.tooLong(buf, line)) return this.set(Tok.ERROR, buf.slice(0, 40), line);
        return this.set(Tok.IDENTIFIER, buf, line);
      }
      // letters and the spaces between them (`Maximum Concurrent Jobs =`, `Name = x`) on one line,
      // up to a terminator: the same token as the character loop below, read by slices
      if (c === 32 || c === 9 || c === 11 || c === 12) {
        let buf = "";
        let from = s.i - 1;
        for (;;) {
          let k = j;
          while (k < text.length && isInnerSpace(text.charCodeAt(k))) k++;
          const d = k < text.length ? text.charCodeAt(k) : -1;
          if (d !== -1 && isAlpha(d)) {
            buf += text.slice(from, j);
            from = k;
            j = k;
            while (j < text.length && isAlpha(text.charCodeAt(j))) j++;
            continue;
          }
          if (d === -1 || !isWordEnd(d)) break; // another character, or the end of an included text: the loop below decides
          buf += text.slice(from, j);
          if (buf.length * 3 > MAX_TOKEN_BYTES) break;
          s.i = k;
          return this.set(Tok.IDENTIFIER, buf, line);
        }
      }
    }
    let buf = String.fromCharCode(first);
    for (;;) {
      const c = this.getc();
      if (isAlpha(c)) {
        buf += String.fromCharCode(c);
        if (this.tooLong(buf, line)) return this.set(Tok.ERROR, buf, line);
        continue;
      }
      if (c === 32 || c === 9 || c === 11 || c === 12) continue; // spaces inside an identifier are dropped
      if (c === EOL_CH || c === EOF_CH || c === 61 || c === 125 || c === 123 || c === 59 || c === 44 || c === 34 || c === 35) {
        this.ungetc(c);
        return this.set(Tok.IDENTIFIER, buf, line);
      }
      // some other character: the rest is an unquoted string
      buf += String.fromCharCode(c);
      return this.unquotedRest(buf, line);
    }
  }

  private number(first: number, line: number): Tok {
    let buf = String.fromCharCode(first);
    for (;;) {
      const c = this.getc();
      if (isDigit(c)) {
        buf += String.fromCharCode(c);
        if (this.tooLong(buf, line)) return this.set(Tok.ERROR, buf, line);
        continue;
      }
      if (isSpace(c) || c === EOL_CH || c === EOF_CH || c === 44 || c === 59) {
        this.ungetc(c);
        return this.set(Tok.NUMBER, buf, line);
      }
      this.ungetc(c);
      return this.unquotedRest(buf, line);
    }
  }

  private unquoted(first: number, line: number): Tok {
    return this.unquotedRest(String.fromCharCode(first), line);
  }

  private unquotedRest(start: string, line: number): Tok {
    const s = this.cur;
    const text = s.text;
    let j = s.i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 61 || c === 125 || c === 123 || c === 59 || c === 44 || c === 35 || isSpace(c)) break;
      j++;
    }
    const buf = start + text.slice(s.i, j);
    s.i = j;
    if (this.tooLong(buf, line)) return this.set(Tok.ERROR, buf.slice(0, 40), line);
    return this.set(Tok.UNQUOTED, buf, line);
  }

  private quoted(line: number): Tok {
    {
      // fast path: no escape and no line end before the closing quote
      const s = this.cur;
      const text = s.text;
      let j = s.i;
      const limit = Math.min(text.length, s.i + MAX_TOKEN_BYTES + 1);
      while (j < limit) {
        const c = text.charCodeAt(j);
        if (c === 34) {
          const buf = text.slice(s.i, j);
          s.i = j + 1;
          if (this.tooLong(buf, line)) return this.set(Tok.ERROR, buf.slice(0, 40), line);
          return this.set(Tok.QUOTED, buf, line);
        }
        if (c === 92 || c === 10 || c === 13) break;
        j++;
      }
    }
    let buf = "";
    let esc = false;
    for (;;) {
      const c = this.getc();
      if (c === EOF_CH) {
        this.issue("a quoted string is not closed before the end of the file", line);
        return this.set(Tok.ERROR, buf, line);
      }
      if (c === EOL_CH) {
        // Bacula keeps the newline of a quoted string that goes on over the line end
        esc = false;
        buf += "\n";
        continue;
      }
      if (esc) {
        buf += String.fromCharCode(c);
        esc = false;
      } else if (c === 92) {
        esc = true;
      } else if (c === 34) {
        return this.set(Tok.QUOTED, buf, line);
      } else {
        buf += String.fromCharCode(c);
      }
      if (this.tooLong(buf, line)) {
        // skip to the closing quote so that the rest of the file still lexes
        let d = this.getc();
        while (d !== 34 && d !== EOF_CH) d = this.getc();
        return this.set(Tok.ERROR, buf.slice(0, 40), line);
      }
    }
  }

  /** After `@`: reads the include target and pushes its files. False when nothing could be included. */
  private includeDirective(line: number): boolean {
    let target = "";
    let c = this.getc();
    if (c === 124 /* | */) {
      target = "|";
      c = this.getc();
    }
    if (c === 34) {
      let esc = false;
      for (;;) {
        c = this.getc();
        if (c === EOF_CH) break;
        if (c === EOL_CH) {
          target += "\n";
          continue;
        }
        if (esc) {
          target += String.fromCharCode(c);
          esc = false;
        } else if (c === 92) esc = true;
        else if (c === 34) break;
        else target += String.fromCharCode(c);
        if (target.length > MAX_TOKEN_BYTES) break;
      }
    } else {
      while (!(c === EOF_CH || c === EOL_CH || isSpace(c) || c === 125 || c === 123 || c === 59 || c === 44 || c === 34 || c === 35)) {
        target += String.fromCharCode(c);
        c = this.getc();
      }
      // the terminator ends the include line: keep a line end for the parser
      if (c === EOL_CH) this.ungetc(c);
    }
    const from = this.cur.file;
    if (target === "" || target === "|") {
      this.issue("an @ include without a file name", line, from);
      return true;
    }
    if (!this.hooks.include) {
      this.issue("an @ include was not read (no include reader)", line, from);
      return true;
    }
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.issue(`includes nested more than ${MAX_INCLUDE_DEPTH} deep`, line, from);
      return true;
    }
    if (this.includesLeft <= 0) return this.includeDirectiveOverCap(line, from);
    const res = this.hooks.include(target, from, line);
    if (res.kind === "error") {
      this.issue(res.message, line, from);
      return true;
    }
    if (res.warning) this.issue(res.warning, line, from, "warning");
    const open = new Set(this.openFiles());
    const loop = res.files.find((f) => open.has(f.name));
    if (loop) {
      this.issue(`${loop.name} includes itself (through ${this.openFiles().join(" -> ")}): Bacula would read it without end`, line, from);
      return true;
    }
    this.includesLeft -= res.files.length;
    this.includedChars += res.files.reduce((n, f) => n + f.text.length, 0);
    if (this.includesLeft < 0 || this.includedChars > MAX_INCLUDED_CHARS) {
      this.includesLeft = 0;
      return this.includeDirectiveOverCap(line, from);
    }
    // Push the files so that the first one is read first.
    for (let k = res.files.length - 1; k >= 0; k--) {
      const f = res.files[k];
      const text = f.text.charCodeAt(0) === 0xfeff ? f.text.slice(1) : f.text;
      this.stack.push(this.cur);
      this.cur = { text, file: f.name, i: 0, line: 1 };
    }
    return true;
  }

  /** An include past MAX_INCLUDES / MAX_INCLUDED_CHARS: not read, said once. */
  private includeDirectiveOverCap(line: number, from: string): boolean {
    if (!this.includeCapSaid) {
      this.includeCapSaid = true;
      this.issue(`the includes read more than ${MAX_INCLUDES} files or ${MAX_INCLUDED_CHARS / (1024 * 1024)} MiB of text in all (the same files included over and over?): the rest is not read`, line, from);
    }
    return true;
  }

  /** The files being read, innermost last (for include cycle checks). */
  openFiles(): string[] {
    return [...this.stack.map((s) => s.file), this.cur.file];
  }

  /** Bacula's scan_to_eol: skips to the end of the statement; stops before a `}`. */
  scanToEol(): void {
    for (;;) {
      const t = this.next();
      if (t === Tok.EOL || t === Tok.EOF) return;
      if (t === Tok.EOB) {
        this.pushBack();
        return;
      }
    }
  }

  /** Bacula's lex_check_eol: only spaces, a comment or `;` follow on this line. */
  restOfLineIsEmpty(): boolean {
    const s = this.cur;
    let i = s.i;
    while (i < s.text.length) {
      const c = s.text.charCodeAt(i);
      if (c === 10 || c === 13 || c === 35 || c === 59) return true;
      if (!isSpace(c)) return false;
      i++;
    }
    return true;
  }
}
