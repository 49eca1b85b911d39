import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { ALLOWED_PROGRAMS } from "@/lib/deploy/commands";
import { extraPrograms, setExtraPrograms } from "@/lib/deploy/programs";
import { api, readJson } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** The programs commands on hosts may run: the built-in list and the ones an admin added. */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json({ builtIn: ALLOWED_PROGRAMS, extra: await extraPrograms() });
});

/** PUT {programs: string[]} (admin): replaces the admin's extra programs (never an interpreter); audited. */
export const PUT = api(async (req: Request) => {
  const user = await requireUser(req, "admin");
  const programs = await setExtraPrograms(await readJson(req), { login: user.login, ip: clientIp(req) });
  return NextResponse.json({ builtIn: ALLOWED_PROGRAMS, extra: programs });
});
