import { NextResponse } from "next/server";
import { z } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { listRuns, parseTargetKey, startDeploy, unknownTargetKeys } from "@/lib/deploy/service";
import { HttpError } from "@/lib/http/errors";
import { api, readJson } from "@/lib/http/handler";
import { ndjsonResponse } from "@/lib/http/ndjson";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json({ runs: await listRuns() });
});

const startSchema = z
  .object({
    dryRun: z.boolean(),
    targets: z
      .array(z.string().refine((k) => parseTargetKey(k) !== null, "must be director:<id>, storage-daemon:<id> or client:<id>"))
      .min(1)
      .max(500)
      .optional(),
  })
  .strict();

/**
 * Start a deploy (or dry run). The answer is a stream of JSON lines (application/x-ndjson): one
 * `run` event, then `target` and `step` events as each step starts and ends, then `done`. The
 * deploy goes on when the client disconnects; its history is in GET /api/deploy/runs.
 */
export const POST = api(async (req: Request) => {
  const user = await requireUser(req, "operator");
  const body = startSchema.parse(await readJson(req));
  const unknown = body.targets ? await unknownTargetKeys(body.targets) : [];
  if (unknown.length > 0) {
    const message = `no such Director or Storage Daemon: ${unknown.join(", ")}`;
    throw new HttpError(404, `Nothing deployed: ${message}`, [{ field: "targets", rule: "exists", message }]);
  }
  const ip = clientIp(req);
  // Step logs and diffs hold the daemons' passwords: masked for the browser.
  return ndjsonResponse((send) => startDeploy({ actor: user.login, ip, dryRun: body.dryRun, targets: body.targets, onEvent: send }).then(() => undefined), { map: maskSecretsDeep });
});
