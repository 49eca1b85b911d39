/**
 * Lexer and parser for existing bacula-dir.conf / bacula-sd.conf files, mapping
 * resources onto the model through the directive tables. Pure: `@/path` includes
 * are read through the `readFile` function the caller passes.
 *
 * Lexical rules (as Bacula's): `#` starts a comment, `;` separates statements like
 * a newline, double-quoted strings take backslash escapes (`\x` is `x`), keywords
 * match case-insensitively ignoring spaces, `{`/`}` open and close resources and
 * sub-blocks (Include { Options { } }, RunScript { }), and a token starting with
 * `@` includes the file named by the rest of the line.
 */
import {
  findBlock,
  findDirective,
  findResource,
  MESSAGE_KINDS,
  normalizeKeyword,
  type BlockSpec,
  type DirectiveSpec,
  type ResourceSpec,
} from "./directives";
import {
  emptyDirectorConfig,
  emptyStorageDaemonConfig,
  type DirectorConfig,
  type MessageDestination,
  type StorageDaemonConfig,
} from "./model";

export interface ParseIssue {
  file: string;
  line: number;
  message: string;
  severity: "error" | "warning";
}

export interface ParseOptions {
  /** Name of the main file, used in issues and for cycle detection (default "bacula-dir.conf"/"bacula-sd.conf"). */
  file?: string;
  /** Reads an `@/path` include. Without it, includes are reported as issues. May throw. */
  readFile?: (path: string) => string;
  /** Director version to record in the model (default "15.0.3"). */
  version?: string;
}

export interface ParseResult<T> {
  config: T;
  issues: ParseIssue[];
}

type TokType = "word" | "string" | "eq" | "comma" | "lbrace" | "rbrace" | "eol";

interface Token {
  t: TokType;
  /** Value: the unescaped string content for strings, the text otherwise. */
  v: string;
  file: string;
  line: number;
  start: number;
  end: number;
  src: string;
}

const MAX_INCLUDE_DEPTH = 32;

interface LexCtx {
  readFile?: (path: string) => string;
  stack: string[];
  issues: ParseIssue[];
  out: Token[];
}

const WORD_STOP = new Set([" ", "\t", "\r", "\n", "{", "}", "=", ",", ";", '"', "#"]);

function lex(src: string, file: string, ctx: LexCtx): void {
  let i = 0;
  let line = 1;
  const push = (t: TokType, v: string, start: number, end: number, tokLine = line) =>
    ctx.out.push({ t, v, file, line: tokLine, start, end, src });
  const issue = (message: string, severity: ParseIssue["severity"] = "error", l = line) =>
    ctx.issues.push({ file, line: l, message, severity });
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      push("eol", "\n", i, i + 1);
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === ";") {
      push("eol", ";", i, i + 1);
      i++;
    } else if (c === "{" || c === "}" || c === "=" || c === ",") {
      push(c === "{" ? "lbrace" : c === "}" ? "rbrace" : c === "=" ? "eq" : "comma", c, i, i + 1);
      i++;
    } else if (c === '"') {
      const start = i;
      const startLine = line;
      let v = "";
      i++;
      let closed = false;
      while (i < src.length) {
        const ch = src[i];
        if (ch === "\\" && i + 1 < src.length && src[i + 1] !== "\n") {
          v += src[i + 1];
          i += 2;
        } else if (ch === '"') {
          closed = true;
          i++;
          break;
        } else if (ch === "\n") {
          break;
        } else {
          v += ch;
          i++;
        }
      }
      if (!closed) issue("unterminated quoted string", "error", startLine);
      push("string", v, start, i, startLine);
    } else if (c === "@") {
      let j = i + 1;
      while (j < src.length && src[j] !== "\n") j++;
      let path = src.slice(i + 1, j).trim();
      const incLine = line;
      i = j;
      if (path.startsWith('"') && path.endsWith('"') && path.length >= 2) path = path.slice(1, -1);
      include(path, file, incLine, ctx);
    } else {
      const start = i;
      while (i < src.length && !WORD_STOP.has(src[i])) i++;
      push("word", src.slice(start, i), start, i);
    }
  }
  // Statements never continue across files.
  push("eol", "", src.length, src.length);
}

function include(path: string, fromFile: string, line: number, ctx: LexCtx): void {
  const issue = (message: string): void => {
    ctx.issues.push({ file: fromFile, line, message, severity: "error" });
  };
  if (path === "") return issue("empty @ include");
  if (path.startsWith("|")) return issue(`piped include ${JSON.stringify(path)} is not supported by the importer`);
  if (/[*?[]/.test(path)) return issue(`wildcard include ${JSON.stringify(path)} is not supported by the importer`);
  if (!ctx.readFile) return issue(`include ${JSON.stringify(path)} not read: no readFile function given`);
  if (ctx.stack.includes(path))
    return issue(`include cycle: ${[...ctx.stack.slice(ctx.stack.indexOf(path)), path].join(" -> ")}`);
  if (ctx.stack.length >= MAX_INCLUDE_DEPTH) return issue(`includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
  let text: string;
  try {
    text = ctx.readFile(path);
  } catch (e) {
    return issue(`cannot read include ${JSON.stringify(path)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  ctx.stack.push(path);
  lex(text, path, ctx);
  ctx.stack.pop();
}

type Obj = Record<string, unknown>;

class Parser {
  pos = 0;
  constructor(
    readonly toks: Token[],
    readonly issues: ParseIssue[],
  ) {}

  peek(): Token | undefined {
    return this.toks[this.pos];
  }

  issue(tok: Token | undefined, message: string, severity: ParseIssue["severity"] = "error") {
    const t = tok ?? this.toks[this.toks.length - 1];
    this.issues.push({ file: t?.file ?? "", line: t?.line ?? 0, message, severity });
  }

  skipEols() {
    while (this.peek()?.t === "eol") this.pos++;
  }

  skipToEol() {
    while (this.pos < this.toks.length && this.toks[this.pos].t !== "eol") {
      if (this.toks[this.pos].t === "lbrace") {
        this.pos++;
        this.skipBlockBody();
      } else this.pos++;
    }
  }

  /** After a `{`: skip to its matching `}`. */
  skipBlockBody() {
    let depth = 1;
    while (this.pos < this.toks.length) {
      const t = this.toks[this.pos++];
      if (t.t === "lbrace") depth++;
      else if (t.t === "rbrace" && --depth === 0) return;
    }
  }

  /** Keyword words before `=` or `{`. */
  keyword(): { words: Token[]; text: string } {
    const words: Token[] = [];
    while (this.peek()?.t === "word") words.push(this.toks[this.pos++]);
    return { words, text: words.map((w) => w.v).join(" ") };
  }

  parseTop(daemon: "dir" | "sd", onResource: (spec: ResourceSpec, obj: Obj, tok: Token) => void) {
    for (;;) {
      this.skipEols();
      const tok = this.peek();
      if (!tok) return;
      const kw = this.keyword();
      const next = this.peek();
      if (kw.words.length === 0) {
        this.issue(tok, `unexpected ${JSON.stringify(tok.v)} at top level`);
        this.pos++;
        if (tok.t === "lbrace") this.skipBlockBody();
        continue;
      }
      if (next?.t !== "lbrace") {
        this.issue(tok, `expected a resource (Keyword {), got ${JSON.stringify(kw.text)}`);
        this.skipToEol();
        continue;
      }
      this.pos++;
      const spec = findResource(daemon, kw.text);
      if (!spec) {
        this.issue(tok, `unknown or unsupported resource type ${JSON.stringify(kw.text)}; skipped`, "warning");
        this.skipBlockBody();
        continue;
      }
      const obj: Obj = {};
      this.parseBody(spec, obj, `${spec.name}`, tok);
      if (typeof obj.name !== "string") {
        this.issue(tok, `${spec.name} resource without a Name; skipped`);
        continue;
      }
      onResource(spec, obj, tok);
    }
  }

  parseBody(block: BlockSpec, obj: Obj, where: string, open: Token) {
    for (;;) {
      this.skipEols();
      const tok = this.peek();
      if (!tok) {
        this.issue(open, `${where}: missing closing }`);
        return;
      }
      if (tok.t === "rbrace") {
        this.pos++;
        return;
      }
      const kw = this.keyword();
      if (kw.words.length === 0) {
        this.issue(tok, `${where}: unexpected ${JSON.stringify(tok.v)}`);
        this.pos++;
        if (tok.t === "lbrace") this.skipBlockBody();
        continue;
      }
      const next = this.peek();
      if (next?.t === "lbrace") {
        this.pos++;
        const sub = findBlock(block, kw.text);
        if (!sub) {
          this.issue(tok, `${where}: unknown or unsupported block ${JSON.stringify(kw.text)}; skipped`);
          this.skipBlockBody();
        } else if (sub.key) {
          const el: Obj = {};
          this.parseBody(sub, el, `${where} ${sub.name}`, tok);
          const list = (obj[sub.key] as Obj[] | undefined) ?? [];
          list.push(el);
          obj[sub.key] = list;
        } else {
          this.parseBody(sub, obj, `${where} ${sub.name}`, tok);
        }
        continue;
      }
      if (next?.t !== "eq") {
        this.issue(tok, `${where}: expected "=" after ${JSON.stringify(kw.text)}`);
        this.skipToEol();
        continue;
      }
      this.pos++;
      const value: Token[] = [];
      while (this.pos < this.toks.length) {
        const t = this.toks[this.pos];
        if (t.t === "eol" || t.t === "rbrace") break;
        if (t.t === "lbrace") {
          this.issue(t, `${where}: unexpected "{" in the value of ${kw.text}`);
          this.pos++;
          this.skipBlockBody();
          continue;
        }
        value.push(t);
        this.pos++;
      }
      const dir = findDirective(block, kw.text);
      if (!dir) {
        this.issue(tok, `${where}: unknown or unsupported directive ${JSON.stringify(kw.text)}; ignored`, "warning");
        continue;
      }
      if (value.length === 0) {
        this.issue(tok, `${where}: ${dir.name} has no value`);
        continue;
      }
      this.assign(dir, value, obj, where, tok);
    }
  }

  assign(dir: DirectiveSpec, value: Token[], obj: Obj, where: string, kwTok: Token) {
    const issue = (m: string, sev: ParseIssue["severity"] = "error") => this.issue(kwTok, `${where}: ${dir.name} ${m}`, sev);
    const raw = rawText(value);
    const single = (): string => {
      if (value.length === 1 && (value[0].t === "word" || value[0].t === "string")) return value[0].v;
      issue(`has an unexpected value ${JSON.stringify(raw)}; taken as text`, "warning");
      return raw;
    };
    const unquoted = (): string => {
      if (value.length === 1 && value[0].t === "string") {
        issue("must not be quoted (Bacula rejects a quoted value here)", "warning");
        return value[0].v;
      }
      return raw;
    };
    const setOnce = (v: unknown) => {
      if (obj[dir.key] !== undefined) issue("given more than once; the last one is used", "warning");
      obj[dir.key] = v;
    };
    const pushTo = (v: unknown) => {
      const list = (obj[dir.key] as unknown[] | undefined) ?? [];
      list.push(v);
      obj[dir.key] = list;
    };
    switch (dir.type) {
      case "name":
      case "ref":
      case "string":
      case "path":
      case "password":
      case "address":
        return setOnce(single());
      case "run-line":
      case "path-list":
        return pushTo(single());
      case "schedule-run":
        return pushTo(unquoted());
      case "size":
      case "time":
        return setOnce(unquoted());
      case "ref-list": {
        const items: string[] = [];
        let expectItem = true;
        for (const t of value) {
          if (expectItem && (t.t === "word" || t.t === "string")) {
            items.push(t.v);
            expectItem = false;
          } else if (!expectItem && t.t === "comma") {
            expectItem = true;
          } else {
            issue(`has an unexpected ${JSON.stringify(t.v)} in its list`);
            return;
          }
        }
        const list = (obj[dir.key] as string[] | undefined) ?? [];
        obj[dir.key] = [...list, ...items];
        return;
      }
      case "int":
      case "port": {
        const s = single();
        if (!/^\d+$/.test(s)) return issue(`expects an integer, got ${JSON.stringify(s)}`);
        const n = Number(s);
        if (dir.type === "port" && (n < 1 || n > 65535)) return issue(`port ${n} is out of range`);
        return setOnce(n);
      }
      case "bool": {
        const b = parseBool(single());
        if (b === undefined) return issue(`expects yes or no, got ${JSON.stringify(raw)}`);
        return setOnce(b);
      }
      case "bool-or-ref": {
        const s = single();
        const b = value[0].t === "word" ? parseBool(s) : undefined;
        return setOnce(b ?? s);
      }
      case "enum": {
        const s = single();
        const values = dir.values ?? [];
        if (values.includes(s)) return setOnce(s);
        const ci = values.find((x) => x.toLowerCase() === s.toLowerCase());
        if (ci && dir.caseSensitiveValues) {
          issue(`${JSON.stringify(s)} is not the canonical spelling ${ci}; kept as written (the runtime compares case-sensitively)`, "warning");
          return setOnce(s);
        }
        if (ci) return setOnce(ci);
        if (dir.caseSensitiveValues) {
          issue(`has an unknown value ${JSON.stringify(s)}; kept as written`, "warning");
          return setOnce(s);
        }
        return issue(`has an unknown value ${JSON.stringify(s)}; expected one of ${values.join(", ")}`);
      }
      case "msg-destination": {
        const kind = MESSAGE_KINDS.find((k) => k.kind === dir.destKind);
        if (!kind) return;
        const eq = value.findIndex((t) => t.t === "eq");
        const dest: MessageDestination = { kind: kind.kind, types: [] };
        let typeToks = value;
        if (eq >= 0) {
          const whereToks = value.slice(0, eq);
          dest.where = whereToks.length === 1 ? whereToks[0].v : rawText(whereToks);
          typeToks = value.slice(eq + 1);
        }
        for (const t of typeToks) {
          if (t.t === "comma") continue;
          if (t.t === "word" || t.t === "string") dest.types.push(t.v);
          else issue(`has an unexpected ${JSON.stringify(t.v)}`);
        }
        return pushTo(dest);
      }
    }
  }
}

function rawText(toks: Token[]): string {
  if (toks.length === 0) return "";
  const first = toks[0];
  const last = toks[toks.length - 1];
  if (toks.every((t) => t.src === first.src)) return first.src.slice(first.start, last.end).trim();
  return toks.map((t) => t.src.slice(t.start, t.end)).join(" ");
}

function parseBool(s: string): boolean | undefined {
  const l = s.toLowerCase();
  if (l === "yes" || l === "true") return true;
  if (l === "no" || l === "false") return false;
  return undefined;
}

function tokenize(text: string, file: string, opts: ParseOptions, issues: ParseIssue[]): Token[] {
  const ctx: LexCtx = { readFile: opts.readFile, stack: [file], issues, out: [] };
  lex(text, file, ctx);
  return ctx.out;
}

function collect(
  daemon: "dir" | "sd",
  text: string,
  file: string,
  opts: ParseOptions,
  issues: ParseIssue[],
  onResource: (spec: ResourceSpec, obj: Obj, tok: Token) => void,
) {
  const toks = tokenize(text, file, opts, issues);
  new Parser(toks, issues).parseTop(daemon, onResource);
}

export function parseDirector(text: string, opts: ParseOptions = {}): ParseResult<DirectorConfig> {
  const file = opts.file ?? "bacula-dir.conf";
  const issues: ParseIssue[] = [];
  const version = opts.version ?? "15.0.3";
  const config = emptyDirectorConfig({ name: "", version });
  let haveDirector = false;
  collect("dir", text, file, opts, issues, (spec, obj, tok) => {
    if (spec.single) {
      if (haveDirector) {
        issues.push({ file: tok.file, line: tok.line, message: "a second Director resource; ignored", severity: "error" });
        return;
      }
      haveDirector = true;
      config.director = { ...(obj as unknown as DirectorConfig["director"]), version };
      return;
    }
    (config as unknown as Record<string, Obj[]>)[spec.configKey].push(obj);
  });
  if (!haveDirector) issues.push({ file, line: 0, message: "no Director resource", severity: "error" });
  return { config, issues };
}

export function parseStorageDaemon(text: string, opts: ParseOptions = {}): ParseResult<StorageDaemonConfig> {
  const file = opts.file ?? "bacula-sd.conf";
  const issues: ParseIssue[] = [];
  const config = emptyStorageDaemonConfig({ name: "" });
  let haveStorage = false;
  collect("sd", text, file, opts, issues, (spec, obj, tok) => {
    if (spec.single) {
      if (haveStorage) {
        issues.push({ file: tok.file, line: tok.line, message: "a second Storage resource; ignored", severity: "error" });
        return;
      }
      haveStorage = true;
      config.storage = obj as unknown as StorageDaemonConfig["storage"];
      return;
    }
    (config as unknown as Record<string, Obj[]>)[spec.configKey].push(obj);
  });
  if (!haveStorage) issues.push({ file, line: 0, message: "no Storage resource", severity: "error" });
  return { config, issues };
}

/** Re-exported for callers that match keywords themselves. */
export { normalizeKeyword };
