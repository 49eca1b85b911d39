import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api, readJson } from "@/lib/http/handler";
import { clusterParams, mapFailoverError } from "@/lib/failover/http";
import { readFencePolicy, updateFencePolicy } from "@/lib/failover/policy";
import { fencePolicySchema } from "@/lib/failover/types";

type Ctx = { params: Promise<{ clusterId: string }> };

/** GET (admin): the cluster's fencing policy {autoFence, fenceTimeoutMs}. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const policy = await readFencePolicy(prisma, clusterId).catch(mapFailoverError);
  return NextResponse.json(policy, { headers: { "cache-control": "no-store" } });
});

/** PUT {autoFence, fenceTimeoutMs} (admin, audited): whether the split-brain guard fences at once, and the bound of a fence. */
export const PUT = api(async (req: Request, ctx: Ctx) => {
  const user = await requireUser(req, "admin");
  const { clusterId } = clusterParams.parse(await ctx.params);
  const body = fencePolicySchema.parse(await readJson(req));
  return NextResponse.json(await updateFencePolicy(prisma, clusterId, body, { actor: user.login, ip: clientIp(req) }).catch(mapFailoverError));
});
