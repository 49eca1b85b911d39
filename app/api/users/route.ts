import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { createUser, listUsers } from "@/lib/auth/service";
import { api, readJson } from "@/lib/http/handler";

export const GET = api(async (req: Request) => {
  await requireUser(req, "admin");
  return NextResponse.json({ items: await listUsers() });
});

export const POST = api(async (req: Request) => {
  const user = await requireUser(req, "admin");
  return NextResponse.json(await createUser(await readJson(req), { login: user.login, ip: clientIp(req) }), { status: 201 });
});
