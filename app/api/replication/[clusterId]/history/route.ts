import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { api } from "@/lib/http/handler";
import { clusterParamsSchema, historyQuerySchema } from "@/lib/replication/http";
import { history } from "@/lib/replication/store";

type Ctx = { params: Promise<{ clusterId: string }> };

/** Lag history for the charts: bucketed per member over the last hour (15 s), day (5 min) or week (30 min). */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "viewer");
  const { clusterId } = clusterParamsSchema.parse(await ctx.params);
  const { range } = historyQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const cluster = await prisma.catalogCluster.findUnique({
    where: { id: clusterId },
    select: { id: true, name: true, members: { select: { id: true, name: true, role: true }, orderBy: { name: "asc" } } },
  });
  if (!cluster) throw notFound(`No catalog cluster with id ${clusterId}`);
  const h = await history(prisma, clusterId, range, Date.now());
  return NextResponse.json({ clusterId, name: cluster.name, range, members: cluster.members, ...h }, { headers: { "cache-control": "no-store" } });
});
