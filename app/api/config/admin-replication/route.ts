import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { adminReplicationPreview } from "@/lib/builder/service";
import { api, readJson } from "@/lib/http/handler";

/** The standby replication Admin Job and the script it calls (preview only; deploying is not done here). */
export const POST = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json(await adminReplicationPreview(await readJson(req)));
});
