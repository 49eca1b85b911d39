import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { clusterParamsSchema, clusterStatus } from "@/lib/replication/http";

type Ctx = { params: Promise<{ clusterId: string }> };

/** One cluster in detail: members, roles, states, byte and time lags, slots, last replay, timelines, reasons. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "viewer");
  const { clusterId } = clusterParamsSchema.parse(await ctx.params);
  return NextResponse.json(await clusterStatus(clusterId), { headers: { "cache-control": "no-store" } });
});
