import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { storageDaemonConfigPreview } from "@/lib/builder/service";
import { api } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";

type Ctx = { params: Promise<{ id: string }> };

/** The Storage Daemon's current model rendered as bacula-sd.conf, with the validator's problems. */
export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  // Rendered configs hold the daemons' passwords: the browser gets them masked.
  return NextResponse.json(maskSecretsDeep(await storageDaemonConfigPreview(idParam((await ctx.params).id))));
});
