import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { api, readJson } from "@/lib/http/handler";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { failoverDeps, startPromotion } from "@/lib/failover/machine";
import { promoteRequestSchema } from "@/lib/failover/types";
import { registerDirectorDeploy } from "@/lib/failover/director-deploy";

type Ctx = { params: Promise<{ clusterId: string }> };

/**
 * POST {targetMemberId, mode, scope?, confirmClusterName?, force?, forceReason?, promoteWithoutFencing?, unfencedReason?, dryRun?}
 *   scope "catalog" (default): PostgreSQL only, the Director step is skipped;
 *   scope "site": catalog + Director switchover (its checks join the preflight)
 *   202 {id}  started at once: the preflight is the operation's first step (a failing one ends it
 *             "refused", nothing changed); follow GET /api/failover/promotions/<id>/stream
 *   200 {dryRun: true, preflight, plan}
 *   409 {error, fields, runningOperationId}  another operation runs on this cluster: nothing started
 *   409 {error, fields}  the request lacks a confirmation (cluster name, a typed reason): nothing started
 */
export const POST = api(async (req: Request, ctx: Ctx) => {
  const user = await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const body = promoteRequestSchema.parse(await readJson(req));
  await registerDirectorDeploy();
  try {
    const r = await startPromotion(failoverDeps(), clusterId, body, { actor: user.login, ip: clientIp(req) });
    if (r.kind === "dry_run") return NextResponse.json({ dryRun: true, preflight: r.preflight, plan: r.plan });
    return NextResponse.json({ id: r.id }, { status: 202 });
  } catch (err) {
    mapFailoverError(err);
  }
});
