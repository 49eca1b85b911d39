import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { listAudit } from "@/lib/audit/query";
import { api } from "@/lib/http/handler";
import { searchParams } from "@/lib/http/kind";

export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json(await listAudit(searchParams(req)));
});
