import { NextResponse } from "next/server";
import { assertSameOrigin } from "@/lib/auth/guard";
import { completeSetup, setupStatus } from "@/lib/auth/service";
import { AUTH_BODY_LIMIT_BYTES } from "@/lib/http/body";
import { api, readJson } from "@/lib/http/handler";

export const GET = api(async () => NextResponse.json(await setupStatus()));

export const POST = api(async (req: Request) => {
  assertSameOrigin(req);
  await completeSetup(await readJson(req, { limitBytes: AUTH_BODY_LIMIT_BYTES }));
  return NextResponse.json({ ok: true }, { status: 201 });
});
