import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { api, readJson } from "@/lib/http/handler";
import { kindParam } from "@/lib/http/kind";
import { listAnswer } from "@/lib/inventory/http";
import { createResource, withFieldLabels } from "@/lib/inventory/service";

type Ctx = { params: Promise<{ kind: string }> };

/** The list (viewer); scripts/serve.mjs answers the same through listFastRoute before Next. */
export const GET = api<Ctx>(async (req, ctx) => listAnswer(req, (await ctx.params).kind));

export const POST = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "operator");
  const kind = kindParam((await ctx.params).kind);
  const body = await readJson(req).catch((e: unknown) => {
    throw withFieldLabels(kind, e);
  });
  const created = await createResource(kind, body, { login: user.login, role: user.role, ip: clientIp(req) });
  return NextResponse.json(created, { status: 201 });
});
