/**
 * A resource's body as text in Bacula's own syntax, and back: what the forms' "Other directives"
 * editor shows and reads. The same lexer, parser, tables and store checks as a whole config file;
 * lines are numbered from the first line of the body. Pure and client-safe.
 */
import { parseTree } from "./parser";
import { renderResourceNode } from "./renderer";
import { STORES, valueProblem } from "./stores";
import { findDirective, findResource } from "./tables";
import type { BlockDef, Daemon } from "./tables/types";
import type { Item } from "./tree";

export interface BodyProblem {
  line: number;
  message: string;
}

/** The body's lines (no `Type {` / `}`), indented as in a config file minus one level. */
export function renderBody(items: readonly Item[], daemon: Daemon, type: string): string {
  if (items.length === 0) return "";
  const def = findResource(daemon, type);
  if (!def) throw new Error(`no resource type ${type}`);
  const lines = renderResourceNode({ type: def.name, items: [...items] }, daemon);
  return lines.slice(1, -1).map((l) => l.replace(/^ {2}/, "")).join("\n");
}

/** Parses a body; every problem has the body's line number. Includes are refused. */
export function parseBody(text: string, daemon: Daemon, type: string): { items: Item[]; problems: BodyProblem[] } {
  const def = findResource(daemon, type);
  if (!def) return { items: [], problems: [{ line: 0, message: `no resource type ${type}` }] };
  const wrapped = `${def.name} {\n${text}\n}\n`;
  const { tree, issues } = parseTree(wrapped, daemon, {
    file: "(directives)",
    include: () => ({ kind: "error", message: "@ includes are not allowed here" }),
  });
  const problems: BodyProblem[] = issues.map((i) => ({ line: Math.max(1, i.line - 1), message: i.message.replace(/^[A-Za-z]+: /, "") }));
  const node = tree.resources[0];
  if (tree.resources.length !== 1) problems.push({ line: 0, message: "the text closes the resource (a stray } ) or opens another one" });
  const items = node ? node.items.map(stripPos) : [];
  problems.push(...itemProblems(items, def, node?.items ?? []));
  return { items, problems };
}

function stripPos(it: Item): Item {
  if (it.kind === "block") return { kind: "block", name: it.name, items: it.items.map(stripPos) };
  return { kind: "directive", name: it.name, value: it.value };
}

/** Value problems of items (the renderer's own checks), with the line of the original items when known. */
function itemProblems(items: readonly Item[], container: BlockDef, withPos: readonly Item[]): BodyProblem[] {
  const out: BodyProblem[] = [];
  items.forEach((it, i) => {
    const line = Math.max(1, (withPos[i]?.pos?.line ?? 1) - 1);
    const def = findDirective(container, it.name);
    if (!def) return;
    if (it.kind === "block") {
      const sub = withPos[i];
      out.push(...itemProblems(it.items, def.block ?? { directives: [] }, sub && sub.kind === "block" ? sub.items : []));
      return;
    }
    if (STORES[def.store].shape === "block") return;
    const p = valueProblem(def, it.value);
    if (p) out.push({ line, message: `${def.name} ${p}` });
  });
  return out;
}
