import { NextResponse } from "next/server";
import { z } from "zod";
import { requireUser } from "@/lib/auth/guard";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { checkLive, parseTargetKey } from "@/lib/deploy/service";
import { api } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

const targetsSchema = z.array(z.string().refine((k) => parseTargetKey(k) !== null, "must be director:<id> or storage-daemon:<id>")).max(500);

/** Read the live files over SSH (read-only): per-file diff against the model and drift. ?target=key (repeatable). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const keys = z.object({ target: targetsSchema }).parse({ target: new URL(req.url).searchParams.getAll("target") }).target;
  // Diffs of config files hold the daemons' passwords: masked for the browser.
  return NextResponse.json({ checks: maskSecretsDeep(await checkLive(keys.length ? keys : undefined)) });
});
