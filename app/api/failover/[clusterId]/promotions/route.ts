import { NextResponse } from "next/server";
import { z } from "zod";
import { requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api } from "@/lib/http/handler";
import { clusterParams } from "@/lib/failover/http";
import { toView } from "@/lib/failover/runner";
import { strictInt } from "@/lib/http/numbers";

type Ctx = { params: Promise<{ clusterId: string }> };
const query = z.object({ limit: strictInt({ min: 1, max: 200 }).default(20) });

/** Promotion and re-attach history of a cluster, newest first, with their steps. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const { limit } = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  const rows = await prisma.promotion.findMany({
    where: { clusterId },
    orderBy: { id: "desc" },
    take: limit,
    include: { steps: { orderBy: { position: "asc" } } },
  });
  return NextResponse.json({ promotions: rows.map(toView) }, { headers: { "cache-control": "no-store" } });
});
