import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { api, readJson } from "@/lib/http/handler";
import { idParam, kindParam } from "@/lib/http/kind";
import { deleteResource, getResource, updateResource, withFieldLabels } from "@/lib/inventory/service";

type Ctx = { params: Promise<{ kind: string; id: string }> };

export const GET = api<Ctx>(async (req, ctx) => {
  await requireUser(req, "viewer");
  const p = await ctx.params;
  const kind = kindParam(p.kind);
  return NextResponse.json(await getResource(kind, idParam(p.id)));
});

export const PUT = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "operator");
  const p = await ctx.params;
  const kind = kindParam(p.kind);
  const body = await readJson(req).catch((e: unknown) => {
    throw withFieldLabels(kind, e);
  });
  const updated = await updateResource(kind, idParam(p.id), body, { login: user.login, role: user.role, ip: clientIp(req) });
  return NextResponse.json(updated);
});

export const DELETE = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "operator");
  const p = await ctx.params;
  const kind = kindParam(p.kind);
  await deleteResource(kind, idParam(p.id), { login: user.login, role: user.role, ip: clientIp(req) });
  return new NextResponse(null, { status: 204 });
});
