import { NextResponse } from "next/server";
import { z } from "zod";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { maskSecretsDeep } from "@/lib/deploy/mask";
import { listRuns, parseTargetKey, startDeploy, unknownTargetKeys, type RunEvent } from "@/lib/deploy/service";
import { HttpError } from "@/lib/http/errors";
import { api, readJson } from "@/lib/http/handler";

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
  const encoder = new TextEncoder();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (e: RunEvent | { type: "error"; error: string }) => {
        if (closed) return;
        try {
          // Step logs and diffs hold the daemons' passwords: masked for the browser.
          controller.enqueue(encoder.encode(JSON.stringify(maskSecretsDeep(e)) + "\n"));
        } catch {
          closed = true;
        }
      };
      startDeploy({ actor: user.login, ip, dryRun: body.dryRun, targets: body.targets, onEvent: send })
        .catch((err) => send({ type: "error", error: (err as Error).message }))
        .finally(() => {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        });
    },
    cancel() {
      closed = true;
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
});
