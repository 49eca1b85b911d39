import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { drillDetail } from "@/lib/failover/drill-views";
import { idParams } from "@/lib/failover/http";
import { api } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
export const runtime = "nodejs";

/** One DR drill: its steps with their logs and its report (viewer). */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "viewer");
  const { id } = idParams.parse(await ctx.params);
  return NextResponse.json(await drillDetail(prisma, id), { headers: { "cache-control": "no-store" } });
});
