import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { clusterOverview, clusterParams } from "@/lib/failover/http";

type Ctx = { params: Promise<{ clusterId: string }> };

/** The cluster as the promotion page needs it: members (role, fenced, credentials set), catalogs, running operation. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  return NextResponse.json(await clusterOverview(clusterId), { headers: { "cache-control": "no-store" } });
});
