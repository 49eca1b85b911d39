import { NextResponse } from "next/server";
import { z } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { liveCheckBy, parseTargetKey } from "@/lib/deploy/service";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { api, readJson } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

const bodySchema = z
  .object({
    targets: z.array(z.string().refine((k) => parseTargetKey(k) !== null, "must be director:<id>, storage-daemon:<id> or client:<id>")).max(500).optional(),
  })
  .strict();

/**
 * POST {targets?} (operator): read the live files over SSH under the host lock, diff them against
 * the model and record the drift (audited). A POST because it connects to hosts and writes: a GET
 * has no side effects (the last result is in GET /api/deploy/targets).
 */
export const POST = api(async (req: Request) => {
  const user = await requireUser(req, "operator");
  const { targets } = bodySchema.parse(await readJson(req));
  // Diffs of config files hold the daemons' passwords: masked for the browser.
  const checks = await liveCheckBy(targets?.length ? targets : undefined, { login: user.login, ip: clientIp(req) });
  return NextResponse.json({ checks: maskSecretsDeep(checks) });
});
