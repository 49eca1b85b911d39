import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { kindParam, searchParams } from "@/lib/http/kind";
import { listOptions } from "@/lib/inventory/service";

type Ctx = { params: Promise<{ kind: string }> };

export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  const kind = kindParam((await ctx.params).kind);
  return NextResponse.json({ items: await listOptions(kind, searchParams(req)) });
});
