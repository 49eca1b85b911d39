import { NextResponse } from "next/server";
import { z } from "zod";
import { audit } from "@/lib/audit";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { listTargets, parseTargetKey, updateSettings } from "@/lib/deploy/service";
import { api, readJson } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Every deploy target with its drift state and last deploy (no SSH). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json({ targets: await listTargets() });
});

const absPath = z
  .string()
  .trim()
  .max(1024)
  .regex(/^\/[^\0\n\r]*$/, "must be an absolute path")
  .nullable()
  .optional();

const settingsSchema = z
  .object({
    target: z.string().refine((k) => parseTargetKey(k) !== null, "must be director:<id> or storage-daemon:<id>"),
    bconsolePath: absPath,
    bconsoleConfig: absPath,
    testTool: z.enum(["bdirjson", "bacula-dir", "bsdjson", "bacula-sd"]).nullable().optional(),
  })
  .strict();

/** Per-target deploy settings: bconsole path and config, the remote test tool. */
export const PUT = api(async (req: Request) => {
  const user = await requireUser(req, "operator");
  const body = settingsSchema.parse(await readJson(req));
  const { target, ...data } = body;
  await updateSettings(target, data);
  await audit({ actor: user.login, action: "deploy_settings", entityType: "deploy-target", entityId: target, after: data, ip: clientIp(req) });
  return NextResponse.json({ ok: true });
});
