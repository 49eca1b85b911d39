/**
 * The table-driven checks of a generic tree, for one Bacula version: what Bacula's parser would
 * refuse (unknown resource types and directives, directives the version lacks, values out of their
 * store's range, a directive given twice, required directives and resources, names, dangling
 * references) and values that would be read back differently (shell-expanded paths). Semantic
 * rules about storage groups and copy chains live in validate.ts.
 */
import { STORES, isRepeatable, nameProblem, valueProblem } from "./stores";
import { findDirective, findResource, supports, TABLES } from "./tables";
import type { BlockDef, Daemon, DirectiveDef, ResourceDef } from "./tables/types";
import type { ConfigTree, Item, ResourceNode } from "./tree";

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
}

export interface CheckOptions {
  /** Bacula version of the daemon ("15.0.3"); undefined skips version rules. */
  version?: string;
  /** Resource types whose required directives are checked elsewhere (Job: after JobDefs). */
  skipRequired?: ReadonlySet<string>;
  /** Reference targets that live in another daemon's config (Director Storage Device). */
  externalRefs?: ReadonlySet<string>;
}

function label(res: string, name: string): string {
  return `${res} ${JSON.stringify(name)}`;
}

export function checkTree(tree: ConfigTree, opts: CheckOptions = {}): TreeProblem[] {
  const out: TreeProblem[] = [];
  const table = TABLES[tree.daemon];
  const version = opts.version;
  // Names per resource type, for references and duplicates.
  const names = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  tree.resources.forEach((node) => {
    counts.set(node.type, (counts.get(node.type) ?? 0) + 1);
    const n = nameOf(node);
    if (n !== undefined) {
      let set = names.get(node.type);
      if (!set) names.set(node.type, (set = new Set()));
      set.add(n);
    }
  });
  const seenNames = new Map<string, Map<string, number>>();

  tree.resources.forEach((node, index) => {
    const def = findResource(tree.daemon, node.type);
    const name = nameOf(node) ?? "";
    const add = (path: string, rule: string, message: string, severity: Severity = "error", directive?: string, pos?: { file: string; line: number }) =>
      out.push({ resource: node.type, name, directive, index, path, rule, message, severity, pos: pos ?? node.pos });
    if (!def || def.name !== node.type) {
      add("", "unknown-resource", `${table.file} has no resource type ${JSON.stringify(node.type)}`);
      return;
    }
    if (version && !supports(version, def))
      add("", "version", `${def.name} resources need Bacula ${def.since ?? "?"} or later; the daemon runs ${version}`);
    if (nameOf(node) === undefined) add("Name", "required", `${def.name} resource without a Name`, "error", "Name");
    else {
      const p = nameProblem(name);
      if (p) add("Name", "name-syntax", `${def.name} name ${p}`, "error", "Name");
      let m = seenNames.get(node.type);
      if (!m) seenNames.set(node.type, (m = new Map()));
      m.set(name, (m.get(name) ?? 0) + 1);
    }
    checkItems(node.items, def, "", {
      add,
      version,
      names,
      daemon: tree.daemon,
      externalRefs: opts.externalRefs,
      checkRequired: !(opts.skipRequired?.has(def.name) ?? false),
      resLabel: label(def.name, name),
      inExclude: false,
    });
  });

  for (const [type, m] of seenNames)
    for (const [name, n] of m)
      if (n > 1)
        out.push({ resource: type, name, index: -1, path: "Name", rule: "duplicate-name", message: `${n} ${type} resources are named ${JSON.stringify(name)}`, severity: "error" });

  for (const def of table.resources) {
    if (version && !supports(version, def)) continue;
    const n = counts.get(def.name) ?? 0;
    if (def.single && n > 1) out.push({ resource: "Config", name: "", index: -1, path: def.name, rule: "single", message: `${table.file} may hold only one ${def.name} resource (it holds ${n})`, severity: "error" });
    if (def.required && n === 0)
      out.push({ resource: "Config", name: "", index: -1, path: def.name, rule: "min-count", message: `${table.file} needs at least one ${def.name} resource`, severity: "error" });
  }
  return out;
}

function nameOf(node: ResourceNode): string | undefined {
  for (const it of node.items) if (it.kind === "directive" && it.name === "Name" && typeof it.value === "string") return it.value;
  return undefined;
}

interface Ctx {
  add: (path: string, rule: string, message: string, severity?: Severity, directive?: string, pos?: { file: string; line: number }) => void;
  version?: string;
  names: Map<string, Set<string>>;
  daemon: Daemon;
  externalRefs?: ReadonlySet<string>;
  checkRequired: boolean;
  resLabel: string;
  inExclude: boolean;
}

function checkItems(items: readonly Item[], container: BlockDef | ResourceDef, prefix: string, ctx: Ctx) {
  const count = new Map<string, number>();
  for (const it of items) {
    const def = findDirective(container, it.name);
    const n = count.get(it.name) ?? 0;
    count.set(it.name, n + 1);
    const path = `${prefix}${it.name}${n > 0 ? `[${n}]` : ""}`;
    if (!def || def.name !== it.name) {
      ctx.add(path, "unknown-directive", `${ctx.resLabel}: ${JSON.stringify(it.name)} is not a directive here`, "error", it.name, it.pos);
      continue;
    }
    const at = it.pos;
    checkItem(it, def, path, n, at ? { ...ctx, add: (p, r, m, s, d) => ctx.add(p, r, m, s, d, at) } : ctx);
  }
  if (ctx.checkRequired) {
    for (const def of container.directives) {
      // requiredUnless rows are not ITEM_REQUIRED but are just as required after the parse
      // (dird.c: a Client without Address and without AllowFDConnections = yes is refused).
      if (!(def.required || def.requiredUnless) || count.has(def.name)) continue;
      if (ctx.version && !supports(ctx.version, def)) continue;
      if (def.requiredUnless) {
        const other = items.find((i) => i.kind === "directive" && i.name === def.requiredUnless);
        if (other && other.kind === "directive" && other.value === true) continue;
      }
      if (def.name === "Name" && prefix === "") continue; // reported by the resource check
      ctx.add(`${prefix}${def.name}`, "required", `${ctx.resLabel}: ${def.name} is required`, "error", def.name);
    }
  }
}

function checkItem(it: Item, def: DirectiveDef, path: string, n: number, ctx: Ctx) {
  const st = STORES[def.store];
  if (ctx.version && !supports(ctx.version, def)) {
    ctx.add(path, "version", `${ctx.resLabel}: ${def.name} needs Bacula ${def.since ?? "a different version"}${def.until ? ` (before ${def.until})` : ""}; the daemon runs ${ctx.version}`, "error", def.name);
    return;
  }
  if (n > 0 && !isRepeatable(def) && !def.allowDups)
    ctx.add(path, "repeated", `${ctx.resLabel}: ${def.name} may be given only once`, "error", def.name);
  if (def.maxLines !== undefined && n >= def.maxLines)
    ctx.add(path, "repeated", `${ctx.resLabel}: ${def.name} may be given at most ${def.maxLines} times`, "error", def.name);
  if (st.shape === "block") {
    if (it.kind !== "block") {
      ctx.add(path, "value", `${ctx.resLabel}: ${def.name} must be a { } block`, "error", def.name);
      return;
    }
    const sub = { ...ctx, resLabel: `${ctx.resLabel} ${def.name}`, inExclude: ctx.inExclude || def.name === "Exclude", checkRequired: true };
    checkItems(it.items, def.block ?? { directives: [] }, `${path}.`, sub);
    return;
  }
  if (it.kind !== "directive") {
    ctx.add(path, "value", `${ctx.resLabel}: ${def.name} is not a block`, "error", def.name);
    return;
  }
  if (ctx.inExclude && def.store === "plugin_name")
    ctx.add(path, "value", `${ctx.resLabel}: Plugin is not permitted in an Exclude block`, "error", def.name);
  const p = valueProblem(def, it.value);
  if (p) {
    ctx.add(path, st.shellExpanded && /shell/.test(p) ? "shell-expansion" : "value", `${ctx.resLabel}: ${def.name} ${p}`, "error", def.name);
    return;
  }
  // A duration unit written "m" alone is months for Bacula (the first unit it prefixes), not minutes: `90m` is 90 months.
  if (st.shape === "time" && typeof it.value === "string" && /\d\s*m(?![a-z])/i.test(it.value))
    ctx.add(path, "time-months", `${ctx.resLabel}: ${def.name} = ${it.value}: Bacula reads "m" as months; write "min" for minutes`, "warning", def.name);
  if (ctx.version && typeof it.value === "string" && def.values && !supports(ctx.version, def, it.value) && def.values.includes(it.value))
    ctx.add(path, "version", `${ctx.resLabel}: ${def.name} = ${it.value} needs Bacula ${def.valueSince?.[it.value] ?? "another version"}; the daemon runs ${ctx.version}`, "error", def.name);
  // References to resources of the same config.
  if (def.ref && !(ctx.externalRefs?.has(def.ref) ?? false)) {
    const targetDef = findResource(ctx.daemon, def.ref);
    const known = targetDef ? ctx.names.get(targetDef.name) : undefined;
    const refs = (typeof it.value === "string" ? [it.value] : Array.isArray(it.value) ? (it.value as unknown[]).filter((x): x is string => typeof x === "string") : []).filter((r) => !/^%[a-z]$/.test(r));
    for (const r of refs)
      if (!known || !known.has(r))
        ctx.add(path, "dangling-reference", `${ctx.resLabel}: ${def.name} refers to ${def.ref} ${JSON.stringify(r)}, which does not exist`, "error", def.name);
  }
}
