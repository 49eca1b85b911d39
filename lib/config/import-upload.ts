/**
 * The Import page's work: configs uploaded to the running dashboard, read with their includes from
 * the upload (lib/config/upload-files.ts), then imported as `npm run config:import` imports them
 * (lib/config/import-to-db.ts): a dry run first, then the import of what the dry run showed
 * (refused when the model changed in between).
 */
import type { PrismaClient } from "@prisma/client";
import { createHash } from "node:crypto";
import path from "node:path";
import { modelRevision } from "./from-db";
import type { FileAccess } from "./includes";
import { importPrepared, parseConfigFile, prepareImport, type Daemon, type ImportPlan, type ImportReport, type ParsedSource } from "./import-to-db";
import { defaultMainFiles } from "./import-form";
import { ConfigTextError } from "./read-files";
import { uploadedTree, UploadError, type UploadedFile, type UploadedTree } from "./upload-files";
import { MAX_BYTES as KEPT_BYTES, UploadReads, type UploadRead } from "./upload-reads";

export interface UploadImportRequest {
  root: string;
  files: UploadedFile[];
  /** Relative paths of the files to import as daemon configs; default: the top-level *.conf files. */
  main?: string[];
  dryRun: boolean;
  /**
   * With dryRun: the audit and revision writes too, rolled back, and then the import of the dry
   * run's plan, rolled back as well (the server's warm-up: the whole path of an import warmed).
   */
  rehearse?: boolean;
  /** Import what can be imported, leaving out the resources in error. */
  force?: boolean;
  /** The model revision the dry run showed (required for an import that writes). */
  expectRevision?: number;
  /** The dry run's `uploadDigest`: an import of other files, or with other choices, is refused. */
  expectDigest?: string;
  actor: string;
  ip?: string | null;
}

/** How many changes the answer names one by one (a 16 MiB import has about 94,000): the rest are counted. */
export const CHANGES_LISTED = 500;

export type ChangeCounts = Record<string, { create: number; update: number; delete: number }>;

export interface UploadImportResult extends ImportReport {
  /** Every change, counted by inventory kind and action. */
  counts: ChangeCounts;
  /** How many changes in all (`changes` lists the first CHANGES_LISTED). */
  changeCount: number;
  /** The files read as daemon configs, with the daemon each was read as. */
  configs: { file: string; daemon: Daemon }[];
  /** Uploaded files read only as another file's include (not imported on their own). */
  includedOnly: { file: string; by: string }[];
  /** Uploaded files nothing read. */
  unread: string[];
  /** The model revision now (after the import when it wrote). */
  modelRevision: number;
  /** What the answer is about: the files (paths and bytes), the directory, the files read as configs and "force". */
  uploadDigest: string;
  /**
   * Where the time went (ms): reading the upload, parsing and Bacula's checks, then the database;
   * whether the dry run's parse and checks were reused, and whether the import replayed what its
   * dry run wrote (ImportPlan) rather than working it out again.
   */
  timings: { readMs: number; parseMs: number; importMs: number; reusedDryRun: boolean; replayedDryRun: boolean };
}

/** The dry run's files differ from the import's: the dry run does not say what this import would do. */
export class UploadChangedError extends Error {
  constructor() {
    super("the files (or the directory, the files to import, or “import what can be imported”) are not those of the dry run: run the dry run again and check what it says");
    this.name = "UploadChangedError";
  }
}

/** A digest of everything that decides what an import does, besides the model. */
export function uploadDigest(r: Pick<UploadImportRequest, "root" | "files" | "force">, main: readonly string[]): string {
  const h = createHash("sha256");
  const field = (s: string) => h.update(`${Buffer.byteLength(s)}:${s}`);
  field(r.root);
  field(r.force ? "force" : "");
  for (const m of main) field(m);
  for (const f of [...r.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    field(f.path);
    h.update(`${f.bytes.byteLength}:`);
    h.update(f.bytes);
  }
  return h.digest("hex");
}

/** Reads the upload, then dry-runs or imports it. Throws UploadError for an upload that cannot be read, UploadChangedError / ModelChangedError for an import that is not what its dry run showed. */
export async function importUpload(db: PrismaClient, r: UploadImportRequest): Promise<UploadImportResult> {
  const t0 = performance.now();
  const tree = uploadedTree(r.root, r.files);
  const t1 = performance.now();
  const main = r.main ?? defaultMainFiles(r.files);
  // The names as uploaded (relative): a name to import must be one of them as it is.
  const uploadedNames = new Set(r.files.map((f) => f.path));
  for (const m of main) if (!uploadedNames.has(m)) throw new UploadError("files", m, "path", "is named to import but was not uploaded");
  const digest = uploadDigest({ ...r, root: tree.root }, main);
  if (!r.dryRun && r.expectDigest !== undefined && r.expectDigest !== digest) throw new UploadChangedError();
  if (main.length === 0) throw new UploadError("files", undefined, "path", `hold no config to import: upload bacula-dir.conf, bacula-sd.conf or bacula-fd.conf (a *.conf file at the top of ${tree.root})`);

  // The dry run's reading of these same files, when this process made it (upload-reads.ts).
  const kept = r.dryRun ? reads.get(digest) : reads.get(digest, { take: true });
  const read = kept ?? readUpload(tree, main, !!r.force);
  if (!kept && r.dryRun && !r.rehearse) reads.put(digest, tree.totalBytes, read);
  const { sources, unknown, includedOnly, unread } = read;

  const t2 = performance.now();
  // A file that is no daemon's config stops the import, unless it is forced (then the rest goes in).
  // A dry run records what it does, for its import to replay (kept with the reading, or rehearsed
  // now); not one whose reading is too large to keep (its recording would only add to its memory).
  const sink: { plan?: ImportPlan } = {};
  const record = r.dryRun && (r.rehearse || tree.totalBytes <= KEPT_BYTES);
  const report: ImportReport = !read.prepared
    ? { applied: false, dryRun: r.dryRun, issues: [...unknown], changes: [], leftOut: [] }
    : await importPrepared(db, read.prepared, {
        actor: r.actor,
        ip: r.ip,
        dryRun: r.dryRun,
        rehearse: r.rehearse,
        expectRevision: r.dryRun ? undefined : r.expectRevision,
        recordPlan: record ? sink : undefined,
        plan: r.dryRun ? undefined : kept?.plan,
      });
  if (r.dryRun) read.plan = sink.plan;
  if (r.rehearse && read.prepared && sink.plan)
    await importPrepared(db, read.prepared, { actor: r.actor, ip: r.ip, dryRun: true, rehearse: true, expectRevision: await modelRevision(db), plan: sink.plan });
  const t3 = performance.now();
  const counts: ChangeCounts = {};
  for (const c of report.changes) (counts[c.kind] ??= { create: 0, update: 0, delete: 0 })[c.action]++;
  return {
    ...report,
    changes: report.changes.slice(0, CHANGES_LISTED),
    changeCount: report.changes.length,
    counts,
    uploadDigest: digest,
    issues: read.prepared ? [...unknown, ...report.issues] : report.issues,
    configs: sources.map((s) => ({ file: s.file, daemon: s.daemon })),
    includedOnly: [...includedOnly],
    unread: [...unread],
    // (An import that wrote knows the revision it made; otherwise it is read.)
    modelRevision: report.applied && report.revision !== undefined ? report.revision : await modelRevision(db),
    timings: { readMs: t1 - t0, parseMs: t2 - t1, importMs: t3 - t2, reusedDryRun: kept !== undefined, replayedDryRun: !!report.replayed },
  };
}

/** The readings of this process's recent dry runs, for their imports. */
const reads = new UploadReads();

/** Parses the files named as configs (with their includes, from the upload) and checks them as the import will. */
function readUpload(tree: UploadedTree, main: readonly string[], force: boolean): UploadRead {
  // Each file read while parsing a main file (its includes), to tell main files from included ones.
  const readBy = new Map<string, string>();
  const parsed: { source: ParsedSource; abs: string }[] = [];
  const failed: ImportReport["issues"] = [];
  for (const rel of main) {
    const abs = tree.abs(rel);
    if (readBy.has(abs)) continue;
    const access: FileAccess = {
      readFile: (p) => {
        const n = path.posix.normalize(p);
        if (n !== abs && !readBy.has(n)) readBy.set(n, abs);
        return tree.access.readFile(p);
      },
      listDir: (p) => tree.access.listDir(p),
    };
    try {
      parsed.push({ source: parseConfigFile(abs, undefined, { access }), abs });
    } catch (e) {
      // The file cannot be read as text, or is no daemon's config.
      failed.push({ file: abs, line: e instanceof ConfigTextError ? e.line : 0, severity: "error", stage: "parse", message: e instanceof Error ? e.message.replace(`${abs}: `, "") : String(e) });
    }
  }
  // A top-level file another one includes (a site's pools.conf beside bacula-dir.conf) is read there only.
  const sources = parsed.filter((p) => !readBy.has(p.abs)).map((p) => p.source);
  const unknown = failed.filter((f) => !readBy.has(f.file));
  const uploaded = new Set(tree.paths);
  const includedOnly = [...readBy].filter(([f]) => uploaded.has(f)).map(([file, by]) => ({ file, by }));
  const read = new Set([...sources.map((s) => s.file), ...readBy.keys(), ...unknown.map((f) => f.file)]);
  const unread = tree.paths.filter((f) => !read.has(f));
  const stops = unknown.length > 0 && !force;
  return { sources, unknown, includedOnly, unread, prepared: stops ? undefined : prepareImport(sources, { allowErrors: force }) };
}
