import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api, readJson } from "@/lib/http/handler";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { startFence } from "@/lib/failover/fence-op";
import { fenceRequestSchema } from "@/lib/failover/types";
import "@/lib/failover/machine";

type Ctx = { params: Promise<{ clusterId: string }> };

/**
 * POST {memberId, confirmMemberName} (admin): fence a member now over SSH (standby.signal +
 * primary_conninfo towards the primary, stopped escalating within the cluster's bound), e.g. a
 * former primary a failover left NOT FENCED. Never the model's primary.
 *   202 {id}  follow GET /api/failover/promotions/<id>/stream
 *   409 {error, fields, runningOperationId?}  refused or another operation runs: nothing started
 */
export const POST = api(async (req: Request, ctx: Ctx) => {
  const user = await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const body = fenceRequestSchema.parse(await readJson(req));
  try {
    const r = await startFence({ db: prisma }, clusterId, { memberId: body.memberId, source: "manual", confirmMemberName: body.confirmMemberName, reason: `fenced by hand by ${user.login}` }, { actor: user.login, ip: clientIp(req) });
    return NextResponse.json({ id: r.id }, { status: 202 });
  } catch (err) {
    mapFailoverError(err);
  }
});
