/**
 * The Import page's form (multipart/form-data) as an import request, checked with zod:
 *
 *   root            the directory on the host the files come from (default /etc/bacula)
 *   mode            "dry-run" (nothing written) or "import"
 *   force           "true": import what can be imported, leaving out the resources in error
 *   expectRevision  the model revision the dry run showed; required to import
 *   expectDigest    the dry run's uploadDigest; required to import
 *   import          (repeated) relative paths of the files to import as configs; default: the
 *                   top-level *.conf files
 *   file            (repeated) the files, each named by its path relative to root
 */
import { z } from "zod";
import type { UploadImportRequest } from "./import-upload";
import type { UploadedFile } from "./upload-files";

/**
 * The files to import as daemon configs when the operator has not chosen: the uploaded `*.conf`
 * files at the top of the directory (bacula-dir.conf, bacula-sd.conf, bacula-fd.conf...), but not
 * the consoles' (bconsole.conf...). Files in subdirectories (conf.d/, scripts/) are read only through includes.
 * Client-safe: the page shows the same default.
 */
export function defaultMainFiles(files: readonly { path: string }[]): string[] {
  return files.map((f) => f.path).filter((p) => !p.includes("/") && p.endsWith(".conf") && !CONSOLE_FILES.has(p));
}

/** Consoles' configs: the dashboard writes its own bconsole.conf and has no tray monitor (checked, they are read and left alone). */
const CONSOLE_FILES = new Set(["bconsole.conf", "tray-monitor.conf", "bat.conf", "bwx-console.conf"]);

/** What the form shows for each field (errors name fields by these). */
export const IMPORT_FORM_LABELS = {
  root: "Directory on the host",
  mode: "Mode",
  force: "Import what can be imported",
  expectRevision: "Dry run revision",
  expectDigest: "Dry run files",
  import: "Files to import",
  files: "Config files",
} as const;

const fields = z
  .object({
    root: z.string().trim().min(1).default("/etc/bacula"),
    mode: z.enum(["dry-run", "import"]),
    force: z.enum(["true", "false"]).default("false"),
    expectRevision: z.string().regex(/^\d{1,15}$/, "must be the revision number the dry run showed").optional(),
    expectDigest: z.string().regex(/^[0-9a-f]{64}$/, "must be the digest the dry run showed").optional(),
    import: z.array(z.string().min(1).max(1024)).max(2000).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const key of ["expectRevision", "expectDigest"] as const)
      if (v.mode === "import" && v[key] === undefined)
        ctx.addIssue({ code: "custom", path: [key], message: "is needed to import: run the dry run first, then import what it showed", params: { rule: "dry-run-first" } });
  });

const KNOWN = new Set(["root", "mode", "force", "expectRevision", "expectDigest", "import", "file"]);
/** Fields given once: a second value is refused, not silently taken (a repeated "mode" turned a dry run into an import). */
const SINGLE = new Set(["root", "mode", "force", "expectRevision", "expectDigest"]);

export type ImportFormRequest = Omit<UploadImportRequest, "actor" | "ip">;

/** The form as a request; throws ZodError (with the field's path) for a bad field. */
export async function importRequestOfForm(form: FormData): Promise<ImportFormRequest> {
  const raw: Record<string, unknown> = {};
  const files: UploadedFile[] = [];
  const names: string[] = [];
  for (const [key, value] of form.entries()) {
    if (key === "file") {
      if (typeof value === "string") {
        raw.file = value;
        continue;
      }
      files.push({ path: value.name, bytes: new Uint8Array(await value.arrayBuffer()) });
    } else if (key === "import") names.push(typeof value === "string" ? value : value.name);
    else if (SINGLE.has(key) && key in raw) throw new z.ZodError([{ code: "custom", path: [key], message: "is given more than once", params: { rule: "repeated" } }]);
    else if (KNOWN.has(key)) raw[key] = typeof value === "string" ? value : value.name;
    else raw[key] = value;
  }
  if (names.length) raw.import = names;
  if (raw.file !== undefined) {
    throw new z.ZodError([{ code: "custom", path: ["files"], message: "must be uploaded as files, not as text", params: { rule: "file" } }]);
  }
  const v = fields.parse(raw);
  return {
    root: v.root,
    files,
    main: v.import,
    dryRun: v.mode === "dry-run",
    force: v.force === "true",
    expectRevision: v.expectRevision === undefined ? undefined : Number(v.expectRevision),
    expectDigest: v.expectDigest,
  };
}
