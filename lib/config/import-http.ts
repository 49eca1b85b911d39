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
    const user = await requireUser(req, "operator");
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
      return NextResponse.json(await importUpload(prisma, { ...form, actor: user.login, ip: clientIp(req) }));
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

const IMPORT_PATH = "/api/config/import";

export const importFastRoute: FastRoute = (req, res) => {
  if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== IMPORT_PATH) return false;
  serveWith(req, res, () => importPost(webRequest(req, { body: true }), undefined), "config import");
  return true;
};
