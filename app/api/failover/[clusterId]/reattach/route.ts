import { NextResponse } from "next/server";
import { z } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api, readJson } from "@/lib/http/handler";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { reattachPreflight, startReattach } from "@/lib/failover/reattach";
import { reattachRequestSchema } from "@/lib/failover/types";
import "@/lib/failover/machine";
import { strictId } from "@/lib/http/numbers";

type Ctx = { params: Promise<{ clusterId: string }> };

/** GET ?member=<id>: what a re-attach of that member would do, and what refuses it. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const { member } = z.object({ member: strictId() }).parse(Object.fromEntries(new URL(req.url).searchParams));
  try {
    return NextResponse.json(await reattachPreflight({ db: prisma }, clusterId, member), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    mapFailoverError(err);
  }
});

/** POST {memberId, confirmMemberName, dryRun?}: re-attach a fenced former primary as a standby (pg_rewind). */
export const POST = api(async (req: Request, ctx: Ctx) => {
  const user = await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const body = reattachRequestSchema.parse(await readJson(req));
  try {
    const r = await startReattach({ db: prisma }, clusterId, body, { actor: user.login, ip: clientIp(req) });
    if (r.kind === "dry_run") return NextResponse.json({ dryRun: true, preflight: r.preflight });
    return NextResponse.json({ id: r.id }, { status: 202 });
  } catch (err) {
    mapFailoverError(err);
  }
});
