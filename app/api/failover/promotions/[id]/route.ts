import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { idParams, promotionView } from "@/lib/failover/http";

type Ctx = { params: Promise<{ id: string }> };

/** One promotion / re-attach with its steps and logs. */
export const GET = api(async (req: Request, ctx: Ctx) => {
  await requireUser(req, "admin");
  const { id } = idParams.parse(await ctx.params);
  return NextResponse.json(await promotionView(id), { headers: { "cache-control": "no-store" } });
});
