import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { checkLive } from "@/lib/deploy/service";
import { api } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Read the live files over SSH (read-only): per-file diff against the model and drift. ?target=key (repeatable). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const keys = new URL(req.url).searchParams.getAll("target");
  return NextResponse.json({ checks: await checkLive(keys.length ? keys : undefined) });
});
