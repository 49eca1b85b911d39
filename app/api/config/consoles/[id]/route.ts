import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { consoleConfigPreview } from "@/lib/config/daemon-preview";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { api } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";

type Ctx = { params: Promise<{ id: string }> };
export const runtime = "nodejs";

/** The dashboard's bconsole.conf for a Director (id = the Director's): {director, text, problems, renderError, revision, deployed}. */
export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  // It holds the Director's console password: the browser gets it masked.
  return NextResponse.json(maskSecretsDeep(await consoleConfigPreview(idParam((await ctx.params).id))));
});
