import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api, readJson } from "@/lib/http/handler";
import { FailoverNotFound } from "@/lib/failover/errors";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { directorPreflight } from "@/lib/failover/director-deploy";
import { failoverDeps } from "@/lib/failover/machine";
import { startDirectorSwitch } from "@/lib/failover/director-op";
import { directorSwitchRequestSchema } from "@/lib/failover/types";

type Ctx = { params: Promise<{ clusterId: string }> };
export const runtime = "nodejs";

/** GET: the preflight of switching the cluster's Directors to the standby site (admin; SSH + config test, changes nothing). */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  if (!(await prisma.catalogCluster.findUnique({ where: { id: clusterId } }))) mapFailoverError(new FailoverNotFound(`catalog cluster ${clusterId} does not exist`));
  return NextResponse.json(await directorPreflight(prisma, clusterId), { headers: { "cache-control": "no-store" } });
});

/**
 * POST {confirmClusterName, dryRun?}: switch the Director alone (the catalog stays where it is).
 *   202 {id}  follow GET /api/failover/promotions/<id>/stream
 *   409 {error, fields, runningOperationId}   an operation already runs on this cluster
 *   200 {dryRun: true, preflight}
 *   409 {error, fields, preflight}  refused, nothing changed
 */
export const POST = api(async (req: Request, ctx: Ctx) => {
  const user = await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const body = directorSwitchRequestSchema.parse(await readJson(req));
  try {
    const r = await startDirectorSwitch(failoverDeps(), clusterId, body, { actor: user.login, ip: clientIp(req) });
    if (r.kind === "dry_run") return NextResponse.json({ dryRun: true, preflight: r.preflight });
    return NextResponse.json({ id: r.id }, { status: 202 });
  } catch (err) {
    mapFailoverError(err);
  }
});
