import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { getRun } from "@/lib/deploy/service";
import { api } from "@/lib/http/handler";
import { notFound } from "@/lib/http/errors";
import { idParam } from "@/lib/http/kind";

export const dynamic = "force-dynamic";

/** One run with every target, its per-file diffs and every step's full log. */
export const GET = api<{ params: Promise<{ id: string }> }>(async (req, ctx) => {
  await requireUser(req, "viewer");
  const run = await getRun(idParam((await ctx.params).id));
  if (!run) throw notFound("No such deploy run");
  // Step logs and per-file diffs hold the daemons' passwords: masked for the browser.
  return NextResponse.json({ run: maskSecretsDeep(run) });
});
