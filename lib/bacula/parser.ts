/**
 * Reads a Bacula config into the generic tree (tree.ts), driven by a daemon's directive table:
 * every resource, directive and sub-block is kept in order with its position; values are read the
 * way their store function reads them (stores.ts). Problems are reported with file and line and
 * never quote the file's content (a keyword is named only when it is a plausible directive).
 *
 * Pure: includes are resolved through the caller's hook (see lexer.ts).
 */
import { Lexer, Tok, TOK_NAMES, type LexerHooks } from "./lexer";
import { STORES, isRepeatable, readValue } from "./stores";
import { findDirective as lookupDirective, findResource, normalizeKeyword, TABLES } from "./tables";
import type { BlockDef, Daemon, DaemonTable, DirectiveDef } from "./tables/types";
import type { ConfigTree, Item, Pos, ResourceNode } from "./tree";

export interface ParseIssue {
  file: string;
  line: number;
  severity: "error" | "warning";
  message: string;
  /** Resource type and name, and the directive, when the issue is about one. */
  resource?: string;
  name?: string;
  directive?: string;
}

export interface TreeParseOptions {
  /** Name of the main file in issues (default: the table's file name). */
  file?: string;
  include?: LexerHooks["include"];
}

export interface TreeParseResult {
  tree: ConfigTree;
  issues: ParseIssue[];
}

/** A keyword is named in messages only when it looks like one (letters, not too long). */
function shownKeyword(s: string): string {
  return /^[A-Za-z]{1,48}$/.test(s) ? `"${s}"` : "(not shown)";
}

class TreeParser {
  readonly issues: ParseIssue[] = [];
  constructor(
    readonly lx: Lexer,
    readonly table: DaemonTable,
  ) {}

  pos(): Pos {
    return { file: this.lx.file, line: this.lx.line };
  }

  issue(severity: ParseIssue["severity"], message: string, ctx: Partial<ParseIssue> = {}, pos = this.pos()) {
    this.issues.push({ file: pos.file, line: pos.line, severity, message, ...ctx });
  }

  /** Skips a statement; if it opens a block, the whole block. */
  skipStatement() {
    let depth = 0;
    for (;;) {
      const t = this.lx.next();
      if (t === Tok.EOF) return;
      if (t === Tok.BOB) depth++;
      else if (t === Tok.EOB) {
        if (depth === 0) {
          this.lx.pushBack();
          return;
        }
        depth--;
        if (depth === 0) return;
      } else if (t === Tok.EOL && depth === 0) return;
    }
  }

  /** After a `{`: skips to its `}`. */
  skipBlock() {
    let depth = 1;
    for (;;) {
      const t = this.lx.next();
      if (t === Tok.EOF) return;
      if (t === Tok.BOB) depth++;
      else if (t === Tok.EOB && --depth === 0) return;
    }
  }

  top(): ResourceNode[] {
    const out: ResourceNode[] = [];
    for (;;) {
      const t = this.lx.next(true);
      if (t === Tok.EOF) return out;
      const pos = this.pos();
      if (t !== Tok.IDENTIFIER) {
        this.issue("error", `expected a resource type (such as Job {), found ${TOK_NAMES[t]}`);
        if (t === Tok.BOB) this.skipBlock();
        else this.skipStatement();
        continue;
      }
      const kw = this.lx.str;
      const def = findResource(this.table.daemon, kw);
      const open = this.lx.next(true);
      if (open !== Tok.BOB) {
        this.issue("error", `expected "{" after the resource type ${def ? def.name : shownKeyword(kw)}`, {}, pos);
        if (open !== Tok.EOF) this.skipStatement();
        continue;
      }
      if (!def) {
        this.issue("error", `${this.table.file} has no resource type ${shownKeyword(kw)}; skipped`, {}, pos);
        this.skipBlock();
        continue;
      }
      const node: ResourceNode = { type: def.name, items: [], pos };
      const alias = (def.aliases ?? []).find((a) => normalizeKeyword(a) === normalizeKeyword(kw));
      if (alias) node.keyword = alias;
      const ctx: Partial<ParseIssue> = { resource: def.name };
      this.body(def, node.items, ctx, pos, `${def.name}`);
      out.push(node);
    }
  }

  static directiveContext(ctx: Partial<ParseIssue>, directive: string): Partial<ParseIssue> {
    return { ...ctx, directive };
  }

  /** Reads directives and sub-blocks up to the closing `}`. */
  body(container: BlockDef, items: Item[], ctx: Partial<ParseIssue>, open: Pos, where: string) {
    const seen = new Map<string, number>();
    for (;;) {
      const t = this.lx.next(true);
      if (t === Tok.EOF) {
        this.issue("error", `${where} starting on line ${open.line} is not closed (missing "}")`, ctx, open);
        return;
      }
      if (t === Tok.EOB) {
        // Bacula's scan_to_eol after a block: the rest of the line is ignored
        return;
      }
      const pos = this.pos();
      if (t !== Tok.IDENTIFIER) {
        this.issue("error", `${where}: expected a directive keyword, found ${TOK_NAMES[t]}`, ctx);
        if (t === Tok.BOB) this.skipBlock();
        else this.skipStatement();
        continue;
      }
      const kw = this.lx.str;
      const def = lookupDirective(container, kw);
      if (!def) {
        this.issue("error", `${where}: unknown directive ${shownKeyword(kw)}`, { ...ctx, directive: kw.length <= 48 ? kw : undefined });
        this.skipStatement();
        continue;
      }
      // The issue context of the directive is made only when something needs it (most directives read
      // cleanly); a method, not a closure per directive (which costs more than the object it saves).
      const dctx = TreeParser.directiveContext;
      const st = STORES[def.store];
      if (st.shape === "block") {
        const b = this.lx.next(true);
        if (b === Tok.EQUALS) {
          this.issue("error", `${where}: ${def.name} is written without "=" (${def.name} { … })`, dctx(ctx, def.name));
          this.skipStatement();
          continue;
        }
        if (b !== Tok.BOB) {
          this.issue("error", `${where}: expected "{" after ${def.name}`, dctx(ctx, def.name));
          this.skipStatement();
          continue;
        }
        const sub: Item[] = [];
        this.body(def.block ?? { directives: [] }, sub, dctx(ctx, def.name), pos, `${where} ${def.name}`);
        items.push({ kind: "block", name: def.name, items: sub, pos });
        continue;
      }
      const eq = this.lx.next(true);
      if (eq !== Tok.EQUALS) {
        this.issue("error", `${where}: expected "=" after ${def.name}`, dctx(ctx, def.name));
        if (eq === Tok.EOB) this.lx.pushBack();
        else if (eq === Tok.BOB) this.skipBlock();
        else this.skipStatement();
        continue;
      }
      const r = readValue(this.lx, def);
      for (const p of r.problems) this.issue(p.severity, `${where}: ${def.name} ${p.message}`, dctx(ctx, def.name), pos);
      if (r.value === undefined) {
        // A block where a value belongs (`Password = { … }`): skipped whole, its words never read
        // as directives (and so never echoed in a message: they may be a password).
        if (this.lx.token === Tok.BOB) this.skipBlock();
        continue;
      }
      const count = seen.get(def.name) ?? 0;
      seen.set(def.name, count + 1);
      if (count > 0 && !isRepeatable(def) && !(def.appliesToFollowing && lineBetween(container, items, def))) {
        if (!def.allowDups && overwriteIsError(def)) {
          this.issue("error", `${where}: ${def.name} is given more than once (Bacula refuses to redefine it)`, dctx(ctx, def.name), pos);
          continue;
        }
        // Bacula keeps the last value for these: so do we.
        this.issue("warning", `${where}: ${def.name} is given more than once; the last one counts`, dctx(ctx, def.name), pos);
        const at = items.findIndex((i) => i.kind === "directive" && i.name === def.name);
        if (at >= 0) items.splice(at, 1);
      }
      items.push({ kind: "directive", name: def.name, value: r.value, pos });
      if (def.name === "Name" && typeof r.value === "string" && ctx.name === undefined) ctx.name = r.value;
    }
  }
}

/** Store functions that refuse a second line ("Attempt to redefine"); numbers and booleans are overwritten. */
function overwriteIsError(def: DirectiveDef): boolean {
  switch (STORES[def.store].shape) {
    case "int":
    case "bool":
    case "size":
    case "speed":
    case "time":
    case "keyword":
    case "address":
    case "port":
      return false;
    default:
      return true;
  }
}

/** Parses a config text into the generic tree of the table's daemon. */
export function parseTree(text: string, daemon: Daemon, opts: TreeParseOptions = {}): TreeParseResult {
  const table = TABLES[daemon];
  const file = opts.file ?? table.file;
  const issues: ParseIssue[] = [];
  const lx = new Lexer(text, file, {
    include: opts.include,
    issue: (f, line, message, severity = "error") => issues.push({ file: f, line, severity, message }),
  });
  const p = new TreeParser(lx, table);
  const resources = p.top();
  // lexer issues and parser issues, in file order of discovery
  const all = [...issues, ...p.issues];
  return { tree: { daemon: table.daemon, resources }, issues: all };
}

/** True when a line of the store `def` applies to (appliesToFollowing) comes after the last `def` line in `items`. */
function lineBetween(container: BlockDef, items: readonly Item[], def: DirectiveDef): boolean {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it.kind !== "directive") continue;
    if (it.name === def.name) return false;
    if (lookupDirective(container, it.name)?.store === def.appliesToFollowing) return true;
  }
  return false;
}
