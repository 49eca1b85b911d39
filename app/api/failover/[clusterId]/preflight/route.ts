import { NextResponse } from "next/server";
import { z } from "zod";
import { requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api } from "@/lib/http/handler";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { preflight } from "@/lib/failover/preflight";
import { strictId } from "@/lib/http/numbers";

type Ctx = { params: Promise<{ clusterId: string }> };
const query = z.object({ target: strictId() });

/** GET ?target=<memberId>: the preflight of promoting that member (reads only). */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const { target } = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  try {
    return NextResponse.json(await preflight(prisma, clusterId, target), { headers: { "cache-control": "no-store" } });
  } catch (err) {
    mapFailoverError(err);
  }
});
