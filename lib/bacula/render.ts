/**
 * Renders bacula-dir.conf and bacula-sd.conf from the model, driven by the directive tables.
 * Deterministic: resources in table order (and model order within a type), directives in table
 * order, one directive per line, no timestamps.
 */
import {
  DIRECTOR_RESOURCES,
  REPEATED_TYPES,
  SD_RESOURCES,
  type BlockSpec,
  type DirectiveSpec,
  type ResourceKind,
  type ResourceSpec,
} from "./directives";
import type { DirectorConfig, MessageDestination, StorageDaemonConfig } from "./model";
import { checkText, formatDestination, formatValue, ValueError } from "./values";

export interface RenderOptions {
  /** Model revision named in the header comment. */
  revision: string | number;
}

/** A value that cannot be written safely; names the resource and the field. */
export class RenderError extends Error {
  constructor(
    readonly resource: ResourceKind | "Header",
    readonly resourceName: string,
    readonly field: string,
    readonly directive: string,
    readonly problem: string,
  ) {
    super(`${resource} ${JSON.stringify(resourceName)}: ${directive} ${problem}`);
    this.name = "RenderError";
  }
}

const INDENT = "  ";

type Obj = Record<string, unknown>;

interface Ctx {
  resource: ResourceKind;
  name: string;
  path: string;
}

function fail(ctx: Ctx, dir: DirectiveSpec, problem: string, index?: number): never {
  const field = ctx.path + dir.key + (index !== undefined ? `[${index}]` : "");
  throw new RenderError(ctx.resource, ctx.name, field, dir.name, problem);
}

const PADS: string[] = [];
function padOf(depth: number): string {
  return PADS[depth] ?? (PADS[depth] = INDENT.repeat(depth));
}

/** `<indent><Keyword> = ` of each directive of a block, per depth (the tables are static). */
const PREFIXES = new WeakMap<BlockSpec, string[][]>();
function prefixesOf(block: BlockSpec, depth: number): string[] {
  let byDepth = PREFIXES.get(block);
  if (byDepth === undefined) PREFIXES.set(block, (byDepth = []));
  return byDepth[depth] ?? (byDepth[depth] = block.directives.map((dir) => `${padOf(depth)}${dir.name} = `));
}

/** Appends the directive lines of one block to `out`. */
function renderDirectives(block: BlockSpec, obj: Obj, depth: number, ctx: Ctx, out: string[]): void {
  const pad = padOf(depth);
  const prefixes = prefixesOf(block, depth);
  let destinationsDone = false;
  const directives = block.directives;
  for (let d = 0; d < directives.length; d++) {
    const dir = directives[d];
    const v = obj[dir.key];
    if (v === undefined || v === null) continue;
    const type = dir.type;
    if (type === "msg-destination") {
      if (destinationsDone) continue;
      destinationsDone = true;
      if (!Array.isArray(v)) fail(ctx, dir, "must be a list of destinations");
      v.forEach((dest: MessageDestination, i) => {
        try {
          const { keyword, value } = formatDestination(dest);
          out.push(`${pad}${keyword} = ${value}`);
        } catch (e) {
          if (e instanceof ValueError) fail(ctx, { ...dir, name: "Destination" }, e.message, i);
          throw e;
        }
      });
      continue;
    }
    if (type !== "ref-list" && REPEATED_TYPES.has(type)) {
      if (!Array.isArray(v)) fail(ctx, dir, "must be a list");
      for (let i = 0; i < v.length; i++) {
        let text: string;
        try {
          text = formatValue(dir, v[i]);
        } catch (e) {
          if (e instanceof ValueError) fail(ctx, dir, e.message, i);
          throw e;
        }
        out.push(prefixes[d] + text);
      }
      continue;
    }
    if (type === "ref-list" && Array.isArray(v) && v.length === 0) continue;
    let text: string;
    try {
      text = formatValue(dir, v);
    } catch (e) {
      if (e instanceof ValueError) fail(ctx, dir, e.message);
      throw e;
    }
    out.push(prefixes[d] + text);
  }
}

/** Appends the lines of a block's body (its directives and sub-blocks) to `out`. */
function renderBlockBody(block: BlockSpec, obj: Obj, depth: number, ctx: Ctx, out: string[]): void {
  const blocks = block.blocks;
  if (blocks === undefined || blocks.length === 0) {
    renderDirectives(block, obj, depth, ctx, out);
    return;
  }
  // Own directives are always formatted first (so their errors come first), even when written after the sub-blocks.
  let own: string[] | undefined;
  if (block.blocksFirst) {
    own = [];
    renderDirectives(block, obj, depth, ctx, own);
  } else {
    renderDirectives(block, obj, depth, ctx, out);
  }
  const pad = padOf(depth);
  for (const sub of blocks) {
    if (sub.key) {
      const arr = obj[sub.key];
      if (arr === undefined || arr === null) continue;
      if (!Array.isArray(arr))
        throw new RenderError(ctx.resource, ctx.name, ctx.path + sub.key, sub.name, "must be a list");
      for (let i = 0; i < arr.length; i++) {
        const el = arr[i];
        if (!el || typeof el !== "object")
          throw new RenderError(ctx.resource, ctx.name, `${ctx.path}${sub.key}[${i}]`, sub.name, "must be an object");
        out.push(`${pad}${sub.name} {`);
        renderBlockBody(sub, el as Obj, depth + 1, { ...ctx, path: `${ctx.path}${sub.key}[${i}].` }, out);
        out.push(`${pad}}`);
      }
    } else {
      const at = out.length;
      out.push(`${pad}${sub.name} {`);
      renderBlockBody(sub, obj, depth + 1, ctx, out);
      if (out.length === at + 1) out.pop(); // an empty block is not written
      else out.push(`${pad}}`);
    }
  }
  if (own) for (let i = 0; i < own.length; i++) out.push(own[i]);
}

/** Appends the lines of one resource (`Keyword {` ... `}`) to `out`. */
function pushResourceLines(spec: ResourceSpec, resource: object, out: string[]): void {
  const obj = resource as Obj;
  const name = typeof obj.name === "string" ? obj.name : String(obj.name);
  const ctx: Ctx = { resource: spec.kind, name, path: "" };
  out.push(`${spec.name} {`);
  renderBlockBody(spec, obj, 1, ctx, out);
  out.push("}");
}

/** Lines of one resource (`Keyword {` ... `}`), without a trailing blank line. */
export function renderResourceLines(spec: ResourceSpec, resource: object): string[] {
  const out: string[] = [];
  pushResourceLines(spec, resource, out);
  return out;
}

/** One resource as text, e.g. for a preview of a single Job. */
export function renderResource(spec: ResourceSpec, resource: object): string {
  return renderResourceLines(spec, resource).join("\n") + "\n";
}

function header(file: string, opts: RenderOptions): string[] {
  const rev = String(opts?.revision ?? "");
  const p = checkText(rev) ?? (rev.length > 200 ? "is longer than 200 characters" : null);
  if (p || rev === "") throw new RenderError("Header", file, "revision", "revision", p ?? "must not be empty");
  return [
    `# ${file} generated by the Bacula HA dashboard.`,
    `# Model revision: ${rev}`,
    "# Do not edit by hand: the next deployment overwrites this file.",
  ];
}

const CHUNK_LINES = 4096;

function renderAll(
  file: string,
  specs: readonly ResourceSpec[],
  cfg: Record<string, unknown>,
  opts: RenderOptions,
): string {
  // Lines are joined into a flat chunk every few thousand lines, so that the many small line
  // strings die young instead of staying alive (and being copied by the GC) until the end.
  const chunks: string[] = [];
  const out: string[] = header(file, opts);
  for (const spec of specs) {
    const v = cfg[spec.configKey];
    const list = spec.single ? (v ? [v] : []) : ((v as unknown[] | undefined) ?? []);
    for (const res of list) {
      out.push("");
      pushResourceLines(spec, res as object, out);
      if (out.length >= CHUNK_LINES) {
        chunks.push(out.join("\n"));
        out.length = 0;
      }
    }
  }
  if (out.length > 0) chunks.push(out.join("\n"));
  return chunks.join("\n") + "\n";
}

export function renderDirector(cfg: DirectorConfig, opts: RenderOptions): string {
  return renderAll("bacula-dir.conf", DIRECTOR_RESOURCES, cfg as unknown as Record<string, unknown>, opts);
}

export function renderStorageDaemon(cfg: StorageDaemonConfig, opts: RenderOptions): string {
  return renderAll("bacula-sd.conf", SD_RESOURCES, cfg as unknown as Record<string, unknown>, opts);
}
