import { NextResponse } from "next/server";
import { audit } from "@/lib/audit";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { listTargets, parseTargetKey, updateSettings } from "@/lib/deploy/service";
import { settingsUpdateSchema } from "@/lib/deploy/settings";
import { HttpError } from "@/lib/http/errors";
import { api, readJson } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Every deploy target with its drift state and last deploy (no SSH). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json({ targets: await listTargets() });
});

/**
 * Per-target deploy settings (operator): {target, bconsolePath?, bconsoleConfig?, testTool?,
 * startCommand?, stopCommand?, replication?} (lib/deploy/settings.ts). null clears a setting, an
 * omitted one is kept. 400 names each field; 404 (field "target") for a daemon that does not
 * exist; audited with before/after.
 */
export const PUT = api(async (req: Request) => {
  const user = await requireUser(req, "operator");
  const body = settingsUpdateSchema.parse(await readJson(req));
  const { target, ...data } = body;
  const k = parseTargetKey(target)!;
  const exists = k.kind === "director"
    ? await prisma.director.findUnique({ where: { id: k.id }, select: { id: true } })
    : await prisma.storageDaemon.findUnique({ where: { id: k.id }, select: { id: true } });
  if (!exists) {
    const what = `no ${k.kind === "director" ? "Director" : "Storage Daemon"} with id ${k.id}`;
    throw new HttpError(404, `target: ${what}`, [{ field: "target", rule: "exists", message: what }]);
  }
  const changed = await updateSettings(target, data);
  await audit({ actor: user.login, action: "deploy_settings", entityType: "deploy-target", entityId: target, before: changed.before, after: changed.after, ip: clientIp(req) });
  return NextResponse.json({ ok: true, settings: changed.after });
});
