import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { api, readJson } from "@/lib/http/handler";
import { kindParam, searchParams } from "@/lib/http/kind";
import { createResource, listResources, withFieldLabels } from "@/lib/inventory/service";

type Ctx = { params: Promise<{ kind: string }> };

export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  const kind = kindParam((await ctx.params).kind);
  return NextResponse.json(await listResources(kind, searchParams(req)));
});

export const POST = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "operator");
  const kind = kindParam((await ctx.params).kind);
  const body = await readJson(req).catch((e: unknown) => {
    throw withFieldLabels(kind, e);
  });
  const created = await createResource(kind, body, { login: user.login, role: user.role, ip: clientIp(req) });
  return NextResponse.json(created, { status: 201 });
});
