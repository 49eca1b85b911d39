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

function renderDirectives(block: BlockSpec, obj: Obj, depth: number, ctx: Ctx): string[] {
  const pad = INDENT.repeat(depth);
  const lines: string[] = [];
  let destinationsDone = false;
  for (const dir of block.directives) {
    const v = obj[dir.key];
    if (v === undefined || v === null) continue;
    if (dir.type === "msg-destination") {
      if (destinationsDone) continue;
      destinationsDone = true;
      if (!Array.isArray(v)) fail(ctx, dir, "must be a list of destinations");
      v.forEach((dest: MessageDestination, i) => {
        try {
          const { keyword, value } = formatDestination(dest);
          lines.push(`${pad}${keyword} = ${value}`);
        } catch (e) {
          if (e instanceof ValueError) fail(ctx, { ...dir, name: "Destination" }, e.message, i);
          throw e;
        }
      });
      continue;
    }
    if (REPEATED_TYPES.has(dir.type) && dir.type !== "ref-list") {
      if (!Array.isArray(v)) fail(ctx, dir, "must be a list");
      v.forEach((item, i) => {
        try {
          lines.push(`${pad}${dir.name} = ${formatValue(dir, item)}`);
        } catch (e) {
          if (e instanceof ValueError) fail(ctx, dir, e.message, i);
          throw e;
        }
      });
      continue;
    }
    if (dir.type === "ref-list" && Array.isArray(v) && v.length === 0) continue;
    try {
      lines.push(`${pad}${dir.name} = ${formatValue(dir, v)}`);
    } catch (e) {
      if (e instanceof ValueError) fail(ctx, dir, e.message);
      throw e;
    }
  }
  return lines;
}

function renderBlockBody(block: BlockSpec, obj: Obj, depth: number, ctx: Ctx): string[] {
  const own = renderDirectives(block, obj, depth, ctx);
  const subs: string[] = [];
  const pad = INDENT.repeat(depth);
  for (const sub of block.blocks ?? []) {
    if (sub.key) {
      const arr = obj[sub.key];
      if (arr === undefined || arr === null) continue;
      if (!Array.isArray(arr))
        throw new RenderError(ctx.resource, ctx.name, ctx.path + sub.key, sub.name, "must be a list");
      arr.forEach((el, i) => {
        if (!el || typeof el !== "object")
          throw new RenderError(ctx.resource, ctx.name, `${ctx.path}${sub.key}[${i}]`, sub.name, "must be an object");
        const inner = renderBlockBody(sub, el as Obj, depth + 1, { ...ctx, path: `${ctx.path}${sub.key}[${i}].` });
        subs.push(`${pad}${sub.name} {`, ...inner, `${pad}}`);
      });
    } else {
      const inner = renderBlockBody(sub, obj, depth + 1, ctx);
      if (inner.length > 0) subs.push(`${pad}${sub.name} {`, ...inner, `${pad}}`);
    }
  }
  return block.blocksFirst ? [...subs, ...own] : [...own, ...subs];
}

/** Lines of one resource (`Keyword {` ... `}`), without a trailing blank line. */
export function renderResourceLines(spec: ResourceSpec, resource: object): string[] {
  const obj = resource as Obj;
  const name = typeof obj.name === "string" ? obj.name : String(obj.name);
  const ctx: Ctx = { resource: spec.kind, name, path: "" };
  return [`${spec.name} {`, ...renderBlockBody(spec, obj, 1, ctx), "}"];
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

function renderAll(
  file: string,
  specs: readonly ResourceSpec[],
  cfg: Record<string, unknown>,
  opts: RenderOptions,
): string {
  const out: string[] = header(file, opts);
  for (const spec of specs) {
    const v = cfg[spec.configKey];
    const list = spec.single ? (v ? [v] : []) : ((v as unknown[] | undefined) ?? []);
    for (const res of list) {
      out.push("", ...renderResourceLines(spec, res as object));
    }
  }
  return out.join("\n") + "\n";
}

export function renderDirector(cfg: DirectorConfig, opts: RenderOptions): string {
  return renderAll("bacula-dir.conf", DIRECTOR_RESOURCES, cfg as unknown as Record<string, unknown>, opts);
}

export function renderStorageDaemon(cfg: StorageDaemonConfig, opts: RenderOptions): string {
  return renderAll("bacula-sd.conf", SD_RESOURCES, cfg as unknown as Record<string, unknown>, opts);
}
