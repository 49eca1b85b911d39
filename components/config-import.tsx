"use client";

/**
 * The Import page: the operator uploads a daemon's config directory (or single files), says where
 * it lives on the host, and sees a dry run (what would be created, updated or removed, every
 * problem by file and line) before importing exactly that. Changing anything after the dry run
 * asks for a new one; an import the model has moved past since is refused by the server.
 */
import Link from "next/link";
import { useMutation } from "@tanstack/react-query";
import { useMemo, useState, type ChangeEvent, type FormEvent } from "react";
import { defaultMainFiles, IMPORT_FORM_LABELS } from "@/lib/config/import-form";
// What one import may read in all, checked before sending (read-limits.ts has no imports: client-safe).
import { MAX_TOTAL_BYTES } from "@/lib/config/read-limits";
import { ApiError, apiFetch } from "./api";
import { errorText, fieldProblem } from "./error-text";
import { Alert, Badge, Button, Card, inputClass, PageTitle } from "./ui";

interface Picked {
  path: string;
  /** The file's bytes as read when it was picked: a file edited on disk later is not what the dry run read. */
  file: Blob;
}

interface Issue {
  file: string;
  line: number;
  severity: "error" | "warning";
  stage: string;
  message: string;
}

interface Result {
  applied: boolean;
  dryRun: boolean;
  issues: Issue[];
  /** The first changes by name (the server lists at most a few hundred); counts and changeCount cover them all. */
  changes: { action: "create" | "update" | "delete"; kind: string; name: string; placeholder?: boolean }[];
  counts: Record<string, { create: number; update: number; delete: number }>;
  changeCount: number;
  leftOut: { file: string; line: number; resource: string; name: string }[];
  configs: { file: string; daemon: string }[];
  includedOnly: { file: string; by: string }[];
  unread: string[];
  modelRevision: number;
  uploadDigest: string;
  revision?: number;
}


const DAEMON = { dir: "Director", sd: "Storage Daemon", fd: "File Daemon", console: "bconsole (not imported)", monitor: "tray monitor (not imported)" } as Record<string, string>;

/** A picked file's path under the chosen directory: a directory pick drops its own folder name. */
function relativePath(f: File): string {
  const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
  return rel ? rel.split("/").slice(1).join("/") || f.name : f.name;
}

/** How many changes of an action, over every kind. */
const total = (r: Result, a: "create" | "update" | "delete") => Object.values(r.counts).reduce((n, c) => n + c[a], 0);

function summary(r: Result): string {
  return `${total(r, "create")} to create, ${total(r, "update")} to update, ${total(r, "delete")} to remove`;
}

export function ConfigImport() {
  const [root, setRoot] = useState("/etc/bacula");
  const [picked, setPicked] = useState<Picked[]>([]);
  const [main, setMain] = useState<Set<string>>(new Set());
  const [force, setForce] = useState(false);
  const [dry, setDry] = useState<Result | null>(null);
  const [done, setDone] = useState<Result | null>(null);

  const send = useMutation({
    mutationFn: async (mode: "dry-run" | "import") => {
      const form = new FormData();
      form.append("mode", mode);
      form.append("root", root);
      form.append("force", String(force));
      if (mode === "import" && dry) {
        form.append("expectRevision", String(dry.modelRevision));
        form.append("expectDigest", dry.uploadDigest);
      }
      for (const m of main) form.append("import", m);
      for (const p of picked) form.append("file", p.file, p.path);
      return { mode, result: await apiFetch<Result>("/api/config/import", { method: "POST", body: form }) };
    },
    onSuccess: ({ mode, result }) => {
      if (mode === "dry-run") setDry(result);
      else {
        setDone(result);
        setDry(null);
      }
    },
    // A dry run the model or the files have moved past no longer says what an import would do.
    onError: (err) => {
      if (err instanceof ApiError && err.status === 409) setDry(null);
    },
  });

  // Anything changed after a dry run: that dry run no longer says what an import would do.
  const changed = () => {
    setDry(null);
    setDone(null);
    send.reset();
  };
  const [pickError, setPickError] = useState<string | null>(null);
  const setFiles = (all: Picked[]) => {
    setPicked(all);
    setMain(new Set(defaultMainFiles(all)));
    const size = all.reduce((n, p) => n + p.file.size, 0);
    setPickError(size > MAX_TOTAL_BYTES ? `${(size / 2 ** 20).toFixed(1)} MiB picked: one import takes at most ${MAX_TOTAL_BYTES / 2 ** 20} MiB (remove some files)` : null);
    changed();
  };
  async function pick(e: ChangeEvent<HTMLInputElement>) {
    const input = e.target;
    // Read now: what is sent is what was picked, whatever happens to the files on disk afterwards.
    const list = await Promise.all([...(input.files ?? [])].map(async (f) => ({ path: relativePath(f), file: new Blob([await f.arrayBuffer()]) })));
    input.value = "";
    const byPath = new Map(picked.map((p) => [p.path, p]));
    for (const p of list) byPath.set(p.path, p);
    setFiles([...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1)));
  }
  const remove = (path: string) => setFiles(picked.filter((p) => p.path !== path));
  const toggle = (p: string) => {
    const next = new Set(main);
    if (next.has(p)) next.delete(p);
    else next.add(p);
    setMain(next);
    changed();
  };

  const errors = dry?.issues.filter((i) => i.severity === "error") ?? [];
  const canImport = !!dry && dry.changeCount > 0 && (errors.length === 0 || force) && !send.isPending;
  const rootError = fieldProblem(send.error, "root");
  const filesError = pickError ?? fieldProblem(send.error, "files");
  const failure = send.error ? errorText(send.error, { placed: ["root", "files"], lead: send.variables === "import" ? "Not imported" : "The dry run failed" }) : null;
  const byKind = useMemo(() => Object.entries(dry?.counts ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)), [dry]);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    send.mutate("dry-run");
  }

  return (
    <>
      <PageTitle subtitle="Upload the config directory of a Director, Storage Daemon or File Daemon: see what would change, then import it. Nothing is written before you import.">
        Import configs
      </PageTitle>
      {done && (
        <div className="mb-3">
          <Alert kind="success">
            Imported: {total(done, "create")} created, {total(done, "update")} updated, {total(done, "delete")} removed (model revision {done.modelRevision}). Review and roll it out on the{" "}
            <Link className="underline" href="/deploy">Deploy</Link> page.
          </Alert>
        </div>
      )}
      {failure && (
        <div className="mb-3">
          <Alert>{failure}</Alert>
        </div>
      )}
      <div className="grid gap-4 lg:grid-cols-[1fr_2fr]">
        <Card title="Files">
          <form onSubmit={submit} className="space-y-3" noValidate aria-label="Config files to import">
            <div>
              <label htmlFor="import-root" className="mb-1 block text-sm font-medium">{IMPORT_FORM_LABELS.root}</label>
              <input id="import-root" className={inputClass} value={root} onChange={(e) => { setRoot(e.target.value); changed(); }}
                aria-invalid={Boolean(rootError)} aria-describedby={`import-root-help${rootError ? " import-root-error" : ""}`} />
              <p id="import-root-help" className="mt-1 text-xs text-slate-600">Where these files are on the host: `@` includes naming that directory are read from the upload.</p>
              {rootError && <p id="import-root-error" className="mt-1 text-sm text-red-700">{IMPORT_FORM_LABELS.root}: {rootError}</p>}
            </div>
            <div>
              <label htmlFor="import-dir" className="mb-1 block text-sm font-medium">Config directory</label>
              <input id="import-dir" type="file" multiple onChange={(e) => void pick(e)} className="text-sm" {...{ webkitdirectory: "" }}
                aria-invalid={Boolean(filesError)} aria-describedby={`import-files-help${filesError ? " import-files-error" : ""}`} />
            </div>
            <div>
              <label htmlFor="import-files" className="mb-1 block text-sm font-medium">Or single files</label>
              <input id="import-files" type="file" multiple onChange={(e) => void pick(e)} className="text-sm" aria-invalid={Boolean(filesError)} aria-describedby={`import-files-help${filesError ? " import-files-error" : ""}`} />
              <p id="import-files-help" className="mt-1 text-xs text-slate-600">Up to 16 MiB in all. Files in subdirectories (conf.d/…) are read through the includes that name them.</p>
              {filesError && <p id="import-files-error" className="mt-1 text-sm text-red-700">{IMPORT_FORM_LABELS.files}: {filesError}</p>}
            </div>
            {picked.length > 0 && (
              <fieldset>
                <legend className="mb-1 text-sm font-medium">{IMPORT_FORM_LABELS.import}</legend>
                <ul className="max-h-64 space-y-0.5 overflow-y-auto text-sm">
                  {picked.map((p, i) => (
                    <li key={p.path}>
                      <div className="flex items-center gap-2">
                        <label className="flex flex-1 items-center gap-2">
                          <input type="checkbox" checked={main.has(p.path)} onChange={() => toggle(p.path)} id={`import-main-${i}`} />
                          <span className="font-mono">{p.path}</span>
                          <span className="text-xs text-slate-500">{p.file.size.toLocaleString()} bytes</span>
                        </label>
                        <Button type="button" variant="ghost" className="px-1 py-0 text-xs" aria-label={`Remove ${p.path}`} onClick={() => remove(p.path)}>Remove</Button>
                      </div>
                    </li>
                  ))}
                </ul>
                <p className="mt-1 text-xs text-slate-600">Checked: read as a daemon&apos;s config. The others are read only where a checked file includes them.</p>
                <Button type="button" variant="secondary" className="mt-1" onClick={() => setFiles([])}>Clear the files</Button>
              </fieldset>
            )}
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={force} onChange={(e) => { setForce(e.target.checked); changed(); }} />
              {IMPORT_FORM_LABELS.force} (leave out the resources in error)
            </label>
            <div className="flex gap-2">
              <Button type="submit" disabled={picked.length === 0 || send.isPending || Boolean(pickError)}>{send.isPending && send.variables === "dry-run" ? "Reading…" : "Dry run"}</Button>
              <Button type="button" variant={errors.length ? "danger" : "primary"} disabled={!canImport} onClick={() => send.mutate("import")}>
                {send.isPending && send.variables === "import" ? "Importing…" : dry ? `Import ${dry.changeCount} change${dry.changeCount === 1 ? "" : "s"}` : "Import"}
              </Button>
            </div>
          </form>
        </Card>
        <Card title="Dry run">
          <div aria-live="polite">
          {!dry && <p className="text-sm text-slate-600">Run a dry run to see what the import would change.</p>}
          {dry && (
            <div className="space-y-3 text-sm">
              <p data-testid="dry-run-summary">
                <strong>{summary(dry)}</strong>
                {errors.length > 0 && <> · <Badge tone="red">{errors.length} error{errors.length === 1 ? "" : "s"}</Badge></>}
                {dry.changeCount === 0 && errors.length === 0 && <> · the model already holds these files</>}
              </p>
              <table className="w-full">
                <caption className="sr-only">Files read as configs</caption>
                <thead className="text-left text-slate-600"><tr><th scope="col" className="pr-3">File</th><th scope="col">Read as</th></tr></thead>
                <tbody>
                  {dry.configs.map((c) => (
                    <tr key={c.file} className="border-t border-slate-100"><td className="break-all py-1 pr-3 font-mono">{c.file}</td><td>{DAEMON[c.daemon] ?? c.daemon}</td></tr>
                  ))}
                  {dry.includedOnly.map((c) => (
                    <tr key={c.file} className="border-t border-slate-100 text-slate-600"><td className="py-1 font-mono">{c.file}</td><td>included by {c.by}</td></tr>
                  ))}
                  {dry.unread.map((f) => (
                    <tr key={f} className="border-t border-slate-100 text-slate-500"><td className="py-1 font-mono">{f}</td><td>not read</td></tr>
                  ))}
                </tbody>
              </table>
              {byKind.length > 0 && (
                <table className="w-full">
                  <caption className="sr-only">Changes by kind</caption>
                  <thead className="text-left text-slate-600"><tr><th scope="col">Kind</th><th scope="col">Create</th><th scope="col">Update</th><th scope="col">Remove</th></tr></thead>
                  <tbody>
                    {byKind.map(([kind, n]) => (
                      <tr key={kind} className="border-t border-slate-100"><td className="py-1">{kind}</td><td>{n.create}</td><td>{n.update}</td><td>{n.delete}</td></tr>
                    ))}
                  </tbody>
                </table>
              )}
              {dry.changes.length > 0 && (
                <details>
                  <summary className="cursor-pointer">Each change{dry.changes.length < dry.changeCount ? ` (the first ${dry.changes.length} of ${dry.changeCount})` : ""}</summary>
                  <ul className="mt-1 max-h-64 overflow-y-auto font-mono text-xs" aria-label="Each change">
                    {dry.changes.map((c, k) => (
                      <li key={k}>{c.action === "create" ? "+" : c.action === "delete" ? "−" : "~"} {c.kind} {c.name}{c.placeholder ? " (placeholder)" : ""}</li>
                    ))}
                  </ul>
                </details>
              )}
              {dry.issues.length > 0 && (
                <table className="w-full">
                  <caption className="text-left font-medium">Problems</caption>
                  <thead className="text-left text-slate-600"><tr><th scope="col" className="pr-3">Severity</th><th scope="col" className="pr-3">Where</th><th scope="col">What</th></tr></thead>
                  <tbody>
                    {dry.issues.map((i, k) => (
                      <tr key={k} className="border-t border-slate-100 align-top">
                        <td className="py-1 pr-3"><Badge tone={i.severity === "error" ? "red" : "amber"}>{i.severity}</Badge></td>
                        <td className="break-all pr-3 font-mono">{i.file}{i.line ? `:${i.line}` : ""}</td>
                        <td>{i.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {dry.leftOut.length > 0 && (
                <div>
                  <p className="font-medium">Left out for their errors</p>
                  <ul className="list-inside list-disc">
                    {dry.leftOut.map((l) => (
                      <li key={`${l.file}:${l.line}:${l.resource}:${l.name}`}>
                        {l.resource} {l.name} <span className="font-mono text-slate-600">({l.file}{l.line ? `:${l.line}` : ""})</span>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              {errors.length > 0 && !force && <p className="text-slate-700">Fix the errors and run the dry run again, or check “{IMPORT_FORM_LABELS.force}” to import the rest.</p>}
            </div>
          )}
          </div>
        </Card>
      </div>
    </>
  );
}
