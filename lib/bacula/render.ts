/**
 * Writing the typed model as Bacula config files: the typed view back to the generic tree
 * (typed.ts), then the table-driven renderer (renderer.ts). Deterministic: resource types in the
 * table's order, resources in model order, typed directives in the kind's order, then `extra`.
 */
import type { DirectorConfig, StorageDaemonConfig } from "./model";
import { renderResourceNode, renderTree, TreeRenderError } from "./renderer";
import type { Daemon } from "./tables/types";
import type { ConfigTree, ResourceSource } from "./tree";
import { typedSource, typedToNode, typedToTree, type Obj, type ResourceKind } from "./typed";

export { TreeRenderError as RenderError } from "./renderer";

export interface RenderOptions {
  /** Model revision named in the header comment. */
  revision: string | number;
}

export function directorTree(cfg: DirectorConfig): ConfigTree {
  const { others, ...typed } = cfg;
  return typedToTree("dir", typed as unknown as Obj, others ?? []);
}

export function storageDaemonTree(cfg: StorageDaemonConfig): ConfigTree {
  const { others, ...typed } = cfg;
  return typedToTree("sd", typed as unknown as Obj, others ?? []);
}

/** The Director's resources as directorTree has them, each node made when a walk reaches it. */
export function directorSource(cfg: DirectorConfig): ResourceSource {
  const { others, ...typed } = cfg;
  return typedSource("dir", typed as unknown as Obj, others ?? []);
}

export function storageDaemonSource(cfg: StorageDaemonConfig): ResourceSource {
  const { others, ...typed } = cfg;
  return typedSource("sd", typed as unknown as Obj, others ?? []);
}

export function renderDirector(cfg: DirectorConfig, opts: RenderOptions): string {
  return renderTree(directorTree(cfg), { revision: opts.revision });
}

export function renderStorageDaemon(cfg: StorageDaemonConfig, opts: RenderOptions): string {
  return renderTree(storageDaemonTree(cfg), { revision: opts.revision });
}

/** One typed resource as text, e.g. for a preview of a single Job. */
export function renderResource(kind: ResourceKind, resource: object, daemon: Daemon = "dir"): string {
  return renderResourceNode(typedToNode(kind, resource as Obj), daemon).join("\n") + "\n";
}

export function isRenderError(e: unknown): e is TreeRenderError {
  return e instanceof TreeRenderError;
}
