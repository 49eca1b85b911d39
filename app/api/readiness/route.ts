import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { readiness } from "@/lib/failover/readiness";
import { api } from "@/lib/http/handler";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Standby-site readiness of every site pair: one score with its reasons, RPO per job, last drill (viewer; reads only, cached 15 s). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json({ sites: await readiness(prisma) }, { headers: { "cache-control": "no-store" } });
});
