import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { api, readJson } from "@/lib/http/handler";
import { registerDirectorDeploy } from "@/lib/failover/director-deploy";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { failoverDeps } from "@/lib/failover/machine";
import { previewSwitchBack, startSwitchBack } from "@/lib/failover/switch-back";
import { switchBackRequestSchema } from "@/lib/failover/types";

type Ctx = { params: Promise<{ clusterId: string }> };
export const runtime = "nodejs";

/** GET: what a switch back would do (the Director alone, or the catalog too) and its preflight (admin; reads only). */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  try {
    return NextResponse.json(await previewSwitchBack(failoverDeps(), clusterId), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    mapFailoverError(err);
  }
});

/**
 * POST {confirmClusterName}: switch back to the site the last switchover left.
 *   202 {id, scope}  follow GET /api/failover/promotions/<id>/stream
 *   409 {error, fields, runningOperationId}  an operation already runs on this cluster
 *   409 {error, fields, plan}  refused (nothing to switch back, a fenced member, no confirmation): nothing changed
 */
export const POST = api(async (req: Request, ctx: Ctx) => {
  const user = await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const body = switchBackRequestSchema.parse(await readJson(req));
  // A site switch back runs the Director half through the deploy engine.
  await registerDirectorDeploy();
  try {
    const r = await startSwitchBack(failoverDeps(), clusterId, body, { actor: user.login, ip: clientIp(req) });
    return NextResponse.json({ id: r.id, scope: r.scope }, { status: 202 });
  } catch (err) {
    mapFailoverError(err);
  }
});
