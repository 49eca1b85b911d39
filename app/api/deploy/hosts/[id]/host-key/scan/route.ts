import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { presentedHostKey } from "@/lib/deploy/hostkey";
import { api } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";

export const dynamic = "force-dynamic";
type Ctx = { params: Promise<{ id: string }> };

/**
 * POST (operator): the fingerprint the host presents now (an SSH handshake, nothing authenticated),
 * beside the pinned one. A POST: it opens a connection to the host, which a GET must not do.
 */
export const POST = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "operator");
  return NextResponse.json(await presentedHostKey(idParam((await ctx.params).id)));
});
