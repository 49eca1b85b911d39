import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { deleteUser, updateUser } from "@/lib/auth/service";
import { api, readJson } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";

type Ctx = { params: Promise<{ id: string }> };

export const PUT = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "admin");
  const id = idParam((await ctx.params).id);
  return NextResponse.json(await updateUser(id, await readJson(req), { id: user.id, login: user.login, ip: clientIp(req) }));
});

export const DELETE = api<Ctx>(async (req, ctx) => {
  const user = await requireUser(req, "admin");
  await deleteUser(idParam((await ctx.params).id), { id: user.id, login: user.login, ip: clientIp(req) });
  return new NextResponse(null, { status: 204 });
});
