/**
 * The generic form of a Bacula config: resources holding ordered directives and sub-blocks, each
 * named by its canonical keyword from the directive tables and valued by its store function
 * (see stores.ts). It keeps everything a config says, in order, so that nothing is lost between
 * import and render; the typed model (model.ts) and the database are views of it.
 */
import type { Daemon } from "./tables/types";

export interface Pos {
  file: string;
  line: number;
}

/** A Messages destination: `Mail = root@localhost = all, !skipped`. */
export interface MsgValue {
  /** Mail addresses (several for Mail/Operator), the file name, or the Director name; absent for Console, Stdout, Catalog… */
  where?: string[];
  /** Message types in order, e.g. ["all", "!skipped"]. */
  types: string[];
}

/** One entry of a `DirAddresses = { … }` block. */
export interface AddressEntry {
  family: "ip" | "ipv4" | "ipv6";
  addr?: string;
  port?: string;
}

export type Value = string | number | boolean | string[] | MsgValue | AddressEntry[];

export interface DirectiveItem {
  kind: "directive";
  /** Canonical keyword (the table's spelling). */
  name: string;
  value: Value;
  pos?: Pos;
}

export interface BlockItem {
  kind: "block";
  /** Canonical keyword of the sub-block (RunScript, Include, Exclude, Options). */
  name: string;
  items: Item[];
  pos?: Pos;
}

export type Item = DirectiveItem | BlockItem;

export interface ResourceNode {
  /** Canonical resource keyword (the table's spelling). */
  type: string;
  /**
   * The alias keyword the resource was declared with, when not the canonical one: a Director-side
   * `Autochanger { }` is a Storage that is its own autochanger, which `Storage { }` would lose.
   */
  keyword?: string;
  items: Item[];
  pos?: Pos;
}

export interface ConfigTree {
  daemon: Daemon;
  resources: ResourceNode[];
}

/**
 * The resources of a config in order, as the walk (compile.ts) reads them: a tree's nodes, or
 * nodes made from the typed model one at a time (typed.ts), so that a big config never has its
 * whole tree in memory at once.
 */
export interface ResourceSource {
  readonly daemon: Daemon;
  readonly length: number;
  /** The type of the i-th resource (its node's `type`). */
  type(i: number): string;
  /** The i-th resource's declaredName, when it can be told without making the node. */
  name(i: number): string | undefined;
  /** The i-th resource node (a source may make it anew on each call). */
  node(i: number): ResourceNode;
}

/** The name a resource declares: its first Name directive whose value is text. */
export function declaredName(node: ResourceNode): string | undefined {
  for (const it of node.items) if (it.kind === "directive" && it.name === "Name" && typeof it.value === "string") return it.value;
  return undefined;
}

export function treeSource(tree: ConfigTree): ResourceSource {
  const r = tree.resources;
  return { daemon: tree.daemon, length: r.length, type: (i) => r[i].type, name: (i) => declaredName(r[i]), node: (i) => r[i] };
}

export const directive = (name: string, value: Value): DirectiveItem => ({ kind: "directive", name, value });
export const block = (name: string, items: Item[]): BlockItem => ({ kind: "block", name, items });

/** The first value of a directive in a resource or block, by canonical keyword. */
export function getValue(node: { items: readonly Item[] }, name: string): Value | undefined {
  for (const it of node.items) if (it.kind === "directive" && it.name === name) return it.value;
  return undefined;
}

export function getString(node: { items: readonly Item[] }, name: string): string | undefined {
  const v = getValue(node, name);
  return typeof v === "string" ? v : undefined;
}

/** Every value of a (repeatable) directive, in order. */
export function getValues(node: { items: readonly Item[] }, name: string): Value[] {
  const out: Value[] = [];
  for (const it of node.items) if (it.kind === "directive" && it.name === name) out.push(it.value);
  return out;
}

export function getBlocks(node: { items: readonly Item[] }, name: string): BlockItem[] {
  return node.items.filter((it): it is BlockItem => it.kind === "block" && it.name === name);
}

export function resourceName(node: ResourceNode): string {
  return getString(node, "Name") ?? "";
}

/** Strips positions (for comparisons and storage). */
export function withoutPos<T extends Item | ResourceNode>(node: T): T {
  if ("kind" in node && node.kind === "directive") {
    const { pos: _p, ...rest } = node;
    return rest as T;
  }
  const { pos: _p, ...rest } = node as BlockItem | ResourceNode;
  return { ...rest, items: rest.items.map((i) => withoutPos(i)) } as T;
}
