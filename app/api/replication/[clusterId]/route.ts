import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { clusterParamsSchema, clusterStatus } from "@/lib/replication/http";
import { cachedAnswer } from "@/lib/replication/published";
import { getReplicationService } from "@/lib/replication/service";

type Ctx = { params: Promise<{ clusterId: string }> };

/** One cluster in detail: members, roles, states, byte and time lags, slots, last replay, timelines, reasons. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "viewer");
  const { clusterId } = clusterParamsSchema.parse(await ctx.params);
  // From the poller's publication (built once per poll); a cluster created since: read and said so.
  const body = getReplicationService()?.published().cluster(clusterId);
  if (body) {
    const a = cachedAnswer(body, { ifNoneMatch: req.headers.get("if-none-match") }, false);
    return new Response(a.body === null ? null : new Uint8Array(a.body), { status: a.status, headers: a.headers });
  }
  return NextResponse.json(await clusterStatus(clusterId), { headers: { "cache-control": "no-store" } });
});
