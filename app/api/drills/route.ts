import { NextResponse } from "next/server";
import { z } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { drillRequestSchema, startDrill } from "@/lib/failover/drill";
import { drillOptions, listDrills } from "@/lib/failover/drill-views";
import { mapFailoverError } from "@/lib/failover/http";
import { failoverDeps } from "@/lib/failover/machine";
import { api, readJson } from "@/lib/http/handler";
import { strictId } from "@/lib/http/numbers";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Every DR drill with its stored report, and what a drill can be run on (viewer). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const [drills, options] = await Promise.all([listDrills(prisma), drillOptions(prisma)]);
  return NextResponse.json({ drills, options }, { headers: { "cache-control": "no-store" } });
});

const bodySchema = drillRequestSchema.extend({ clusterId: strictId() }).strict();

/**
 * POST {clusterId, jobName, confirmClusterName, restoreWhere?, dryRun?} (admin: a drill switches sites).
 *   200 {dryRun: true, preflight}   every check, nothing changed
 *   202 {id}                        follow GET /api/failover/promotions/<id>/stream; report at GET /api/drills/<id>
 *   409 {error, fields, preflight}  refused (a check, the confirmation): nothing changed
 *   409 {error, fields, runningOperationId}  an operation runs on the cluster
 */
export const POST = api(async (req: Request) => {
  const user = await requireUser(req, "admin");
  const { clusterId, ...body } = bodySchema.parse(await readJson(req)) as z.infer<typeof bodySchema>;
  try {
    const r = await startDrill(failoverDeps(), clusterId, body, { actor: user.login, ip: clientIp(req) });
    if (r.kind === "dry_run") return NextResponse.json({ dryRun: true, preflight: r.preflight });
    return NextResponse.json({ id: r.id }, { status: 202 });
  } catch (err) {
    mapFailoverError(err);
  }
});
