import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { applyChain } from "@/lib/builder/service";
import { api, readJson } from "@/lib/http/handler";

/** Writes a copy / clone chain: every Pool and Job in one transaction (all or nothing), audited. */
export const POST = api(async (req: Request) => {
  const user = await requireUser(req, "operator");
  return NextResponse.json(await applyChain(await readJson(req), { login: user.login, ip: clientIp(req) }), { status: 201 });
});
