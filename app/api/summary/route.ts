import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { topologySummary } from "@/lib/summary";

export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json(await topologySummary());
});
