import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { draftPreview } from "@/lib/builder/service";
import { api, readJson } from "@/lib/http/handler";

/** A draft (pool / job changes or a copy-clone chain) applied in memory: rendered resources, problems, explanation. Changes nothing. */
export const POST = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json(await draftPreview(await readJson(req)));
});
