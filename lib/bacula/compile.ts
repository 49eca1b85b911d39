/**
 * The one walk over a generic tree that both writes it as Bacula config text and checks it, driven
 * by the daemon's directive table: each value is checked once by its store function (stores.ts)
 * and written by the same store. The renderer (renderer.ts) asks for the text and stops at the
 * first value it cannot write safely; the checker (check-tree.ts) asks for every problem Bacula's
 * parser would have (unknown or repeated directives, versions, required directives and resources,
 * names, dangling references); deploys ask for both in one pass.
 */
import { checkScheduleLine } from "./schedule";
import { STORES, formatChecked, isRepeatable, nameProblem, valueProblem, type Store } from "./stores";
import { findDirective, findResource, supports, TABLES } from "./tables";
import type { BlockDef, Daemon, DirectiveDef, ResourceDef } from "./tables/types";
import { treeSource, type ConfigTree, type Item, type ResourceSource, type Value } from "./tree";

export type Severity = "error" | "warning";

export interface TreeProblem {
  /** Resource type (table spelling) or "Config" for whole-file rules. */
  resource: string;
  /** Resource name ("" for whole-file rules). */
  name: string;
  /** Canonical directive name, when about one. */
  directive?: string;
  /** Index of the resource in the tree. */
  index: number;
  /** Path of the item inside the resource: "Storage", "RunScript[1].Command". */
  path: string;
  rule: string;
  message: string;
  severity: Severity;
  /** Where the offending item was read from, when the tree came from a file. */
  pos?: { file: string; line: number };
  /** The value's own problem, without the resource and directive ("must not contain …"). */
  detail?: string;
}

export interface CompileOptions {
  /** Write the text (renderTree). */
  text?: boolean;
  /** The header's model revision (with text). */
  revision?: string | number;
  /** The file name in the header (default: the table's). */
  file?: string;
  /** "values": only what would make the text unsafe (the renderer); "all": every rule (the checker). */
  checks: "values" | "all";
  /** Stop at the first value problem (the renderer throws it). */
  stopAtFirst?: boolean;
  /** Bacula version of the daemon ("15.0.3"); undefined skips version rules. */
  version?: string;
  /** Resource types whose required directives are checked elsewhere (Job: after JobDefs). */
  skipRequired?: ReadonlySet<string>;
  /** Reference targets that live in another daemon's config (Director Storage Device). */
  externalRefs?: ReadonlySet<string>;
}

export interface CompileResult {
  text?: string;
  problems: TreeProblem[];
}

const INDENT = "  ";
const PADS: string[] = [""];
const pad = (depth: number) => PADS[depth] ?? (PADS[depth] = INDENT.repeat(depth));
const MONTHS_M = /\d\s*m(?![a-z])/i;
const CHUNK_LINES = 1024;

/** `%c`, `%l`…: a Bacula variable standing for a name (/^%[a-z]$/). */
function isPercentVar(v: string): boolean {
  if (v.length !== 2 || v.charCodeAt(0) !== 37) return false;
  const c = v.charCodeAt(1);
  return c >= 97 && c <= 122;
}

/**
 * What the walk needs of one table row, worked out once per row and kept for every later walk:
 * its store, whether a second line is refused, the text that starts its line at each depth.
 */
interface Row {
  /** Index of the row in the walk's per-row state. */
  readonly id: number;
  readonly def: DirectiveDef;
  readonly st: Store;
  /** A second line is refused (neither repeatable nor ITEM_ALLOW_DUPS). */
  readonly once: boolean;
  /** `${pad(depth)}${def.name} = ` (or ` {` for blocks), by depth, filled on first use. */
  readonly leads: string[];
  /**
   * A first line of this row whose value the walk has met clean needs no rule of item() again:
   * no line limit, not a Plugin (refused in an Exclude), not a block.
   */
  readonly plain: boolean;
  /** The row lists directives Bacula refuses beside it. */
  readonly excludes: boolean;
}

/** A resource or block of a table as the walk sees it: its rows by canonical keyword. */
interface Container {
  /** Rows whose canonical name findDirective resolves to themselves (other spellings are unknown here). */
  readonly rows: ReadonlyMap<string, Row>;
  /** The required rows (ITEM_REQUIRED or required-unless). */
  readonly required: readonly Row[];
  /**
   * The rows of the last items met here, by position: resources of one kind list their
   * directives in the same order, so the row at a position is most often the one before.
   */
  readonly last: Row[];
}

const EMPTY_BLOCK: BlockDef = { directives: [] };
const NO_NAMES: ReadonlySet<string> = new Set();
const rowsByDef = new WeakMap<DirectiveDef, Row>();
const containers = new WeakMap<BlockDef, Container>();
let rowCount = 0;

function rowOf(def: DirectiveDef): Row {
  let r = rowsByDef.get(def);
  if (!r) {
    const st = STORES[def.store];
    r = {
      id: rowCount++,
      def,
      st,
      once: !isRepeatable(def) && !def.allowDups,
      leads: [],
      plain: def.maxLines === undefined && def.store !== "plugin_name" && st.shape !== "block",
      excludes: def.excludes !== undefined,
    };
    rowsByDef.set(def, r);
  }
  return r;
}

function containerOf(block: BlockDef): Container {
  let c = containers.get(block);
  if (!c) {
    const rows = new Map<string, Row>();
    for (const def of block.directives) if (findDirective(block, def.name) === def) rows.set(def.name, rowOf(def));
    c = { rows, required: block.directives.filter((d) => d.required || d.requiredUnless).map(rowOf), last: [] };
    containers.set(block, c);
  }
  return c;
}

function leadOf(row: Row, depth: number): string {
  return row.leads[depth] ?? (row.leads[depth] = `${pad(depth)}${row.def.name}${row.st.shape === "block" ? " {" : " = "}`);
}

function itemPath(prefix: string, name: string, n: number): string {
  return `${prefix}${name}${n > 0 ? `[${n}]` : ""}`;
}

/** A problem that stops the renderer (the first value it cannot write safely). */
export class StopAtProblem extends Error {
  constructor(readonly problem: TreeProblem) {
    super(problem.message);
  }
}

/*
 * The walk's arrays are made in the form they keep (V8's elements kinds): an empty `[]` changes
 * form on its first store, and code optimised on the previous walk's arrays would be thrown away
 * on the next walk's fresh ones (every round of a running process paid for it again).
 */
/** An empty list that will hold objects or strings. */
function objectList<T>(): T[] {
  const a: T[] = [undefined as T];
  a.length = 0;
  return a;
}

/** A slot per row known so far (more are added as rows are), holding `fill` until set. */
function perRow<T>(fill: T): T[] {
  return new Array<T>(Math.max(rowCount, 1)).fill(fill);
}

class Walk {
  readonly problems: TreeProblem[] = objectList();
  readonly out: string[] = objectList();
  readonly chunks: string[] = objectList();
  names = new Map<string, Set<string>>();
  // Per row (by Row.id): the serial of the last items() call that saw it and how often.
  readonly seenAt: number[] = perRow(0);
  readonly seenCount: number[] = perRow(0);
  // Per row: whether the version has it; the names its references may point to (null: not checked here).
  readonly supported: (boolean | undefined)[] = perRow(undefined);
  readonly known: (ReadonlySet<string> | null | undefined)[] = perRow(undefined);
  readonly refTypes = new Map<string, string | undefined>();
  // Per row: the lines of values already written and checked without a problem (see item()), at
  // the depth the row was first met.
  readonly memos: ({ depth: number; values: Map<Value, string> } | undefined)[] = perRow(undefined);
  serial = 0;
  // per resource
  resType = "";
  resName = "";
  resIndex = 0;
  resPos: { file: string; line: number } | undefined;

  /** Every rule (the checker), not only what makes the text unsafe. */
  readonly all: boolean;
  readonly version: string | undefined;

  constructor(
    readonly daemon: Daemon,
    readonly o: CompileOptions,
  ) {
    this.all = o.checks === "all";
    this.version = o.version;
  }

  add(path: string, rule: string, message: string, severity: Severity, directive: string | undefined, pos: { file: string; line: number } | undefined, detail?: string) {
    // Messages of items start with their block's label; a resource's own label is built only here.
    if (message.startsWith(": ")) message = this.label() + message;
    else if (message.startsWith(" ")) message = this.label() + message;
    const p: TreeProblem = { resource: this.resType, name: this.resName, directive, index: this.resIndex, path, rule, message, severity, pos: pos ?? this.resPos, detail };
    if (this.o.stopAtFirst && severity === "error") throw new StopAtProblem(p);
    this.problems.push(p);
  }

  label(): string {
    return `${this.resType} ${JSON.stringify(this.resName)}`;
  }

  supportedBy(row: Row): boolean {
    if (!this.version) return true;
    let v = this.supported[row.id];
    if (v === undefined) this.supported[row.id] = v = supports(this.version, row.def);
    return v;
  }

  /** The names a reference of this row may point to; null when its targets live in another config. */
  knownFor(row: Row, ref: string): ReadonlySet<string> | null {
    let k = this.known[row.id];
    if (k === undefined) this.known[row.id] = k = this.o.externalRefs?.has(ref) ? null : (this.namesOf(ref) ?? NO_NAMES);
    return k;
  }

  namesOf(ref: string): Set<string> | undefined {
    let type = this.refTypes.get(ref);
    if (type === undefined && !this.refTypes.has(ref)) this.refTypes.set(ref, (type = findResource(this.daemon, ref)?.name));
    return type ? this.names.get(type) : undefined;
  }

  line(s: string) {
    this.out.push(s);
    if (this.out.length >= CHUNK_LINES) {
      this.chunks.push(this.out.join("\n"));
      this.out.length = 0;
    }
  }

  /** Whether an item with this keyword came earlier in the items() call `serial` (`unknown`: its items that are no row). */
  has(c: Container, serial: number, unknown: ReadonlyMap<string, number> | undefined, name: string): boolean {
    const row = c.rows.get(name);
    return row ? this.seenAt[row.id] === serial : (unknown?.has(name) ?? false);
  }

  items(items: readonly Item[], block: BlockDef, prefix: string, depth: number, label: string, inExclude: boolean, checkRequired: boolean) {
    const text = this.o.text === true;
    const all = this.all;
    const c = containerOf(block);
    // This call's serial marks the rows it has seen (seenAt); items that are no row are counted apart.
    const serial = ++this.serial;
    let unknown: Map<string, number> | undefined;
    let excluding: Item[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      let row: Row | undefined = c.last[i];
      if (row === undefined || row.def.name !== it.name) {
        row = c.rows.get(it.name);
        if (row) c.last[i] = row;
      }
      let n = 0;
      if (row) {
        const id = row.id;
        if (this.seenAt[id] === serial) this.seenCount[id] = (n = this.seenCount[id]) + 1;
        else {
          this.seenAt[id] = serial;
          this.seenCount[id] = 1;
        }
      } else {
        unknown ??= new Map();
        n = unknown.get(it.name) ?? 0;
        unknown.set(it.name, n + 1);
        this.add(itemPath(prefix, it.name, n), "unknown-directive", `${label}: ${JSON.stringify(it.name)} is not a directive here`, "error", it.name, it.pos, "is not a directive of this resource");
        continue;
      }
      // The common case inline: the first line of a plain row with a value already met clean in
      // this walk (see item(): nothing there could report anything for it).
      let done: string | undefined;
      if (n === 0 && row.plain && it.kind === "directive") {
        const m = this.memos[row.id];
        if (m !== undefined && m.depth === depth) done = m.values.get(it.value);
      }
      if (done === undefined) this.item(it, row, prefix, n, depth, label, inExclude, text);
      else if (text) this.line(done);
      if (all && row.excludes) (excluding ??= []).push(it);
    }
    // Directives Bacula refuses together (DirPort or DirAddress with a DirAddresses block), in either order.
    if (excluding)
      for (const it of excluding)
        for (const x of findDirective(block, it.name)?.excludes ?? [])
          if (this.has(c, serial, unknown, x))
            this.add(`${prefix}${it.name}`, "conflict", `${label}: ${it.name} cannot be combined with ${x} in one resource (Bacula refuses to mix the two)`, "error", it.name, it.pos);
    if (all && checkRequired) {
      for (const row of c.required) {
        const def = row.def;
        // requiredUnless rows are not ITEM_REQUIRED but are just as required after the parse
        // (dird.c: a Client without Address and without AllowFDConnections = yes is refused).
        if (this.has(c, serial, unknown, def.name)) continue;
        if (!this.supportedBy(row)) continue;
        if (def.requiredUnless) {
          const other = items.find((x) => x.kind === "directive" && x.name === def.requiredUnless);
          if (other && other.kind === "directive" && other.value === true) continue;
        }
        if (def.name === "Name" && prefix === "") continue; // reported by the resource check
        this.add(`${prefix}${def.name}`, "required", `${label}: ${def.name} is required`, "error", def.name, undefined);
      }
    }
  }

  item(it: Item, row: Row, prefix: string, n: number, depth: number, label: string, inExclude: boolean, text: boolean) {
    const def = row.def;
    const st = row.st;
    const all = this.all;
    if (all && !this.supportedBy(row)) {
      this.add(itemPath(prefix, it.name, n), "version", `${label}: ${def.name} needs Bacula ${def.since ?? "a different version"}${def.until ? ` (before ${def.until})` : ""}; the daemon runs ${this.o.version}`, "error", def.name, it.pos);
      return;
    }
    if (all && n > 0 && row.once)
      this.add(itemPath(prefix, it.name, n), "repeated", `${label}: ${def.name} may be given only once`, "error", def.name, it.pos);
    if (all && def.maxLines !== undefined && n >= def.maxLines)
      this.add(itemPath(prefix, it.name, n), "repeated", `${label}: ${def.name} may be given at most ${def.maxLines} times`, "error", def.name, it.pos);
    if (st.shape === "block") {
      if (it.kind !== "block") {
        this.add(itemPath(prefix, it.name, n), "value", `${label}: ${def.name} must be a { } block`, "error", def.name, it.pos, "must be a block");
        return;
      }
      if (text) this.line(leadOf(row, depth));
      this.items(it.items, def.block ?? EMPTY_BLOCK, `${itemPath(prefix, it.name, n)}.`, depth + 1, `${label} ${def.name}`, inExclude || def.name === "Exclude", true);
      if (text) this.line(`${pad(depth)}}`);
      return;
    }
    if (it.kind !== "directive") {
      this.add(itemPath(prefix, it.name, n), "value", `${label}: ${def.name} is not a block`, "error", def.name, it.pos, "is not a block");
      return;
    }
    if (all && inExclude && def.store === "plugin_name")
      this.add(itemPath(prefix, it.name, n), "value", `${label}: Plugin is not permitted in an Exclude block`, "error", def.name, it.pos);
    const v = it.value;
    // A value this row already had in this walk, with no problem then, has none now: the checks
    // below depend only on the row, the value and the walk (names, version), so its line is reused.
    let memo: Map<Value, string> | undefined;
    if (typeof v !== "object" && def.name !== "Name") {
      const m = this.memos[row.id];
      if (m === undefined) this.memos[row.id] = { depth, values: (memo = new Map()) };
      else if (m.depth === depth) {
        memo = m.values;
        const done = memo.get(v);
        if (done !== undefined) {
          if (text) this.line(done);
          return;
        }
      }
    }
    const before = this.problems.length;
    const p = valueProblem(def, v, st);
    if (p) {
      this.add(itemPath(prefix, it.name, n), st.shellExpanded && /shell/.test(p) ? "shell-expansion" : "value", `${label}: ${def.name} ${p}`, "error", def.name, it.pos, p);
      return;
    }
    const line = text ? leadOf(row, depth) + formatChecked(def, v, st) : "";
    if (text) this.line(line);
    if (all) this.checkValue(it, row, prefix, n, label, v);
    if (memo && this.problems.length === before) memo.set(v, line);
  }

  /** The rules about a value that can be written (the checker's): months, versions, references. */
  checkValue(it: Item, row: Row, prefix: string, n: number, label: string, v: Value) {
    const def = row.def;
    // A duration unit written "m" alone is months for Bacula (the first unit it prefixes), not minutes: `90m` is 90 months.
    if (row.st.shape === "time" && typeof v === "string" && MONTHS_M.test(v))
      this.add(itemPath(prefix, it.name, n), "time-months", `${label}: ${def.name} = ${v}: Bacula reads "m" as months; write "min" for minutes`, "warning", def.name, it.pos);
    if (this.o.version && def.valueSince && typeof v === "string" && def.valueSince[v] !== undefined && !supports(this.o.version, def, v))
      this.add(itemPath(prefix, it.name, n), "version", `${label}: ${def.name} = ${v} needs Bacula ${def.valueSince[v]}; the daemon runs ${this.o.version}`, "error", def.name, it.pos);
    if ((def.store === "run" || def.store === "runres") && typeof v === "string") this.scheduleRefs(it, def, prefix, n, label, v);
    // References to resources of the same config.
    if (!def.ref) return;
    const known = this.knownFor(row, def.ref);
    if (known === null) return;
    if (typeof v === "string") {
      if (!isPercentVar(v) && !known.has(v)) this.dangling(it, def, prefix, n, label, v);
    } else if (Array.isArray(v)) {
      for (const r of v as unknown[]) if (typeof r === "string" && !isPercentVar(r) && !known.has(r)) this.dangling(it, def, prefix, n, label, r);
    }
  }

  scheduleRefs(it: Item, def: DirectiveDef, prefix: string, n: number, label: string, v: string) {
    // Pool=, Storage=, Messages= of a Run line: Bacula looks them up and refuses the Director when one is missing.
    const line = checkScheduleLine(v, def.store === "runres" ? "fd" : "dir");
    for (const w of line.warnings) this.add(itemPath(prefix, it.name, n), "schedule-reading", `${label}: ${def.name} = ${v}: ${w}`, "warning", def.name, it.pos);
    for (const ref of line.refs) {
      if (this.o.externalRefs?.has(ref.type)) continue;
      if (this.namesOf(ref.type)?.has(ref.name)) continue;
      this.add(itemPath(prefix, it.name, n), "dangling-reference", `${label}: ${def.name} = ${v}: ${ref.keyword}=${ref.name} refers to ${ref.type} ${JSON.stringify(ref.name)}, which does not exist`, "error", def.name, it.pos);
    }
  }

  dangling(it: Item, def: DirectiveDef, prefix: string, n: number, label: string, r: string) {
    this.add(itemPath(prefix, it.name, n), "dangling-reference", `${label}: ${def.name} refers to ${def.ref} ${JSON.stringify(r)}, which does not exist`, "error", def.name, it.pos);
  }
}

function header(file: string, revision: string | number | undefined): string[] {
  const rev = String(revision ?? "");
  // eslint-disable-next-line no-control-regex
  if (rev === "" || rev.length > 200 || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(rev)) throw new Error("the model revision must be a short single-line text");
  return [`# ${file} generated by the Bacula HA dashboard.`, `# Model revision: ${rev}`, "# Do not edit by hand: the next deployment overwrites this file."];
}

/** Writes and/or checks a tree in one walk. */
export function compileTree(tree: ConfigTree, o: CompileOptions): CompileResult {
  return compileSource(treeSource(tree), o);
}

/** Writes and/or checks the resources of a source in one walk (each node is asked for once). */
export function compileSource(source: ResourceSource, o: CompileOptions): CompileResult {
  const table = TABLES[source.daemon];
  const w = new Walk(source.daemon, o);
  const all = o.checks === "all";
  const counts = new Map<string, number>();
  // Names given to several resources of a type, counted in the walk below: only the types where
  // the first pass met a name twice (the others have no duplicate to report).
  const seenNames = new Map<string, Map<string, { file: string; line: number }[]>>();
  let dupTypes: Set<string> | undefined;
  const length = source.length;
  const names: (string | undefined)[] = new Array(length);
  for (let i = 0; i < length; i++) names[i] = source.name(i);
  if (all) {
    let type = "";
    let set: Set<string> | undefined;
    for (let i = 0; i < length; i++) {
      const nodeType = source.type(i);
      counts.set(nodeType, (counts.get(nodeType) ?? 0) + 1);
      const n = names[i];
      if (n !== undefined) {
        if (nodeType !== type || !set) {
          type = nodeType;
          set = w.names.get(type);
          if (!set) w.names.set(type, (set = new Set()));
        }
        const size = set.size;
        set.add(n);
        if (set.size === size) (dupTypes ??= new Set()).add(type);
      }
    }
  }
  if (o.text && o.revision !== undefined) for (const l of header(o.file ?? table.file, o.revision)) w.line(l);
  let lastType = "";
  let lastDef: ResourceDef | undefined;
  // Per run of resources of one type: its opening line and whether its required rows are checked here.
  let open = "";
  let checkRequired = true;
  for (let index = 0; index < length; index++) {
    const node = source.node(index);
    if (node.type !== lastType) {
      lastDef = findResource(source.daemon, (lastType = node.type));
      if (lastDef) {
        open = `${lastDef.name} {`;
        checkRequired = !(o.skipRequired?.has(lastDef.name) ?? false);
      }
    }
    const def = lastDef;
    const name = names[index] ?? "";
    w.resType = node.type;
    w.resName = name;
    w.resIndex = index;
    w.resPos = node.pos;
    if (!def || def.name !== node.type) {
      w.add("", "unknown-resource", `${table.file} has no resource type ${JSON.stringify(node.type)}`, "error", undefined, undefined, `is not a resource type of ${table.file}`);
      continue;
    }
    if (all) {
      if (o.version && !supports(o.version, def))
        w.add("", "version", `${def.name} resources need Bacula ${def.since ?? "?"} or later; the daemon runs ${o.version}`, "error", undefined, undefined);
      if (names[index] === undefined) w.add("Name", "required", `${def.name} resource without a Name`, "error", "Name", undefined);
      else {
        const p = nameProblem(name);
        if (p) w.add("Name", "name-syntax", `${def.name} name ${p}`, "error", "Name", undefined);
        if (dupTypes?.has(node.type)) {
          let m = seenNames.get(node.type);
          if (!m) seenNames.set(node.type, (m = new Map()));
          let at = m.get(name);
          if (!at) m.set(name, (at = []));
          at.push(node.pos ?? { file: "", line: 0 });
        }
      }
    }
    if (o.text) {
      w.line("");
      w.line(node.keyword && (def.aliases ?? []).includes(node.keyword) ? `${node.keyword} {` : open);
    }
    w.items(node.items, def, "", 1, "", false, checkRequired);
    if (o.text) w.line("}");
  }
  if (all) {
    w.resIndex = -1;
    w.resPos = undefined;
    // Each definition is named (file:line where the tree has it); the problem sits at the second,
    // where Bacula stops ("Attempt to define second ... resource named ...").
    for (const [type, m] of seenNames)
      for (const [name, at] of m)
        if (at.length > 1) {
          const where = at.every((p) => p.file) ? `: at ${at.map((p) => `${p.file}:${p.line}`).join(", ")}` : "";
          w.problems.push({ resource: type, name, index: -1, path: "Name", rule: "duplicate-name", message: `${at.length} ${type} resources are named ${JSON.stringify(name)}${where}`, severity: "error", ...(at[1].file ? { pos: at[1] } : {}) });
        }
    for (const def of table.resources) {
      if (o.version && !supports(o.version, def)) continue;
      const n = counts.get(def.name) ?? 0;
      if (def.single && n > 1) w.problems.push({ resource: "Config", name: "", index: -1, path: def.name, rule: "single", message: `${table.file} may hold only one ${def.name} resource (it holds ${n})`, severity: "error" });
      if (def.required && n === 0)
        w.problems.push({ resource: "Config", name: "", index: -1, path: def.name, rule: "min-count", message: `${table.file} needs at least one ${def.name} resource`, severity: "error" });
    }
  }
  let text: string | undefined;
  if (o.text) {
    if (w.out.length > 0) w.chunks.push(w.out.join("\n"));
    // The final empty chunk ends the text with a newline (one flat string, no concatenation after the join).
    if (w.chunks.length === 0) w.chunks.push("");
    w.chunks.push("");
    text = w.chunks.join("\n");
  }
  return { text, problems: w.problems };
}
