import { NextResponse } from "next/server";
import { ZodError } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { IMPORT_FORM_LABELS, importRequestOfForm } from "@/lib/config/import-form";
import { importer } from "@/lib/config/importer";
import { IMPORT_BODY_BYTES } from "@/lib/config/read-limits";
import { readFormBody } from "@/lib/http/body";
import { api, zodToFieldErrors } from "@/lib/http/handler";
import { badRequest, conflict, type FieldError } from "@/lib/http/errors";
import { problemText } from "@/lib/http/field-label";
import { serveWith, webRequest, type FastRoute } from "@/lib/http/fast-route";
import type { UploadedFile } from "@/lib/config/upload-files";

const labelOf = (field: string) => IMPORT_FORM_LABELS[field.split(".")[0] as keyof typeof IMPORT_FORM_LABELS];

function refused(fields: FieldError[]) {
  return badRequest(fields.map(problemText).join("; "), fields);
}

/**
 * POST /api/config/import. Imports uploaded config files (the Import page): a dry run (nothing
 * written, the report of what an import would do) or the import of what a dry run showed, refused
 * (409) when the model changed since. The report names every problem by file and line; the import
 * itself is audited. Next's route (app/api/config/import/route.ts) and the server's fast path
 * (importFastRoute, run by scripts/serve.mjs before Next: lib/http/fast-route.ts says why) answer
 * through this same handler.
 */
export const importPost = api(
  async (req: Request) => {
    const t0 = performance.now();
    const user = await requireUser(req, "operator");
    const t1 = performance.now();
    let form;
    try {
      form = await importRequestOfForm(await readFormBody(req, { limitBytes: IMPORT_BODY_BYTES, timeoutMs: 30_000 }));
    } catch (e) {
      if (e instanceof ZodError) throw refused(zodToFieldErrors(e).map((f) => ({ ...f, label: labelOf(f.field) ?? f.label })));
      throw e;
    }
    // The copy of the importer the server warmed at start (lib/config/importer.ts), with its error classes.
    const { importUpload, UploadError, UploadChangedError, ModelChangedError } = importer();
    try {
      const t2 = performance.now();
      const result = await importUpload(prisma, { ...form, actor: user.login, ip: clientIp(req) });
      const t3 = performance.now();
      const answer = NextResponse.json(result);
      // Where the request's time went, for the browser's developer tools and the bench (ms).
      answer.headers.set("server-timing", `auth;dur=${(t1 - t0).toFixed(1)}, body;dur=${(t2 - t1).toFixed(1)}, import;dur=${(t3 - t2).toFixed(1)}, answer;dur=${(performance.now() - t3).toFixed(1)}`);
      return answer;
    } catch (e) {
      if (e instanceof UploadError) throw refused([{ field: e.field, rule: e.rule, label: IMPORT_FORM_LABELS[e.field], message: e.message }]);
      if (e instanceof UploadChangedError)
        throw conflict(`Nothing was imported: ${e.message}`, [{ field: "expectDigest", rule: "changed", label: IMPORT_FORM_LABELS.expectDigest, message: e.message }]);
      if (e instanceof ModelChangedError)
        throw conflict(`Nothing was imported: ${e.message}`, [{ field: "expectRevision", rule: "stale", label: IMPORT_FORM_LABELS.expectRevision, message: e.message }], { modelRevision: e.current });
      throw e;
    }
  },
  { bodyLimitBytes: IMPORT_BODY_BYTES },
);

/**
 * The route's reading of an upload (the multipart body, the form's checks) and the writing of its
 * JSON answer, on the start-up warm-up's files and report (lib/config/warm-import.ts): the first
 * run of undici's multipart parser alone costs ~10 ms more than the next ones. Nothing is imported.
 */
export async function warmImportRoute(files: UploadedFile[], main: string[], report: unknown): Promise<void> {
  const body = new FormData();
  body.append("mode", "dry-run");
  body.append("root", "/warm");
  for (const m of main) body.append("import", m);
  for (const f of files) body.append("file", new Blob([f.bytes as Uint8Array<ArrayBuffer>]), f.path);
  const req = new Request(`http://localhost${IMPORT_PATH}`, { method: "POST", body });
  const form = await importRequestOfForm(await readFormBody(req, { limitBytes: IMPORT_BODY_BYTES, timeoutMs: 30_000 }));
  if (form.files.length !== files.length) throw new Error(`import route warm-up: read ${form.files.length} of ${files.length} files`);
  await NextResponse.json(report).arrayBuffer();
}

const IMPORT_PATH = "/api/config/import";

export const importFastRoute: FastRoute = (req, res) => {
  if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== IMPORT_PATH) return false;
  serveWith(req, res, () => importPost(webRequest(req, { body: true }), undefined), "config import");
  return true;
};
