import { NextResponse } from "next/server";
import { z } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { pinHostKey, pinnedHostKey } from "@/lib/deploy/hostkey";
import { api, readJson } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";

export const dynamic = "force-dynamic";
type Ctx = { params: Promise<{ id: string }> };

/** The pinned fingerprint (viewer; no connection). What the host presents now: POST .../host-key/scan. */
export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  return NextResponse.json(await pinnedHostKey(idParam((await ctx.params).id)));
});

const pinSchema = z.object({ fingerprint: z.string().min(1).max(200) }).strict();

/** Pin the fingerprint the operator confirmed; refused (409) when the host presents another one. */
export const POST = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "operator");
  const { fingerprint } = pinSchema.parse(await readJson(req));
  return NextResponse.json(await pinHostKey(idParam((await ctx.params).id), fingerprint, user.login, clientIp(req), undefined, user.role));
});
