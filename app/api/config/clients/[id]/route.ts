import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { fileDaemonConfigPreview } from "@/lib/config/daemon-preview";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { api } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";

type Ctx = { params: Promise<{ id: string }> };
export const runtime = "nodejs";

/** The Client's File Daemon config (bacula-fd.conf) from the model: {client, text, problems, renderError, revision, deployed}. */
export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  // It holds the Client's password: the browser gets it masked.
  return NextResponse.json(maskSecretsDeep(await fileDaemonConfigPreview(idParam((await ctx.params).id))));
});
