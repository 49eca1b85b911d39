import { NextResponse } from "next/server";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { listTargets } from "@/lib/deploy/service";
import { DEPLOY_SETTING_LABELS, settingsUpdateSchema } from "@/lib/deploy/settings";
import { badRequest } from "@/lib/http/errors";
import { problemText } from "@/lib/http/field-label";
import { saveDeploySettings } from "@/lib/deploy/settings-service";
import { api, readJson, zodToFieldErrors } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Every deploy target with its drift state, last deploy and the commands it runs on its host (no SSH). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  return NextResponse.json({ targets: await listTargets() });
});

/**
 * Per-target deploy settings: {target, bconsolePath?, bconsoleConfig?, testTool?, startCommand?,
 * stopCommand?, replication?} (lib/deploy/settings.ts). Operators may change the test tool and the
 * replication job; start / stop commands and bconsole's path and config are admin-only, checked
 * against the command policy and on the host (lib/deploy/settings-service.ts). null clears a
 * setting, an omitted one is kept. 400 names each field and rule, 403 the admin-only ones, 404
 * (field "target") a daemon that does not exist; audited with before/after.
 */
export const PUT = api(async (req: Request) => {
  const user = await requireUser(req, "operator");
  const parsed = settingsUpdateSchema.safeParse(await readJson(req));
  if (!parsed.success) {
    const fields = zodToFieldErrors(parsed.error).map((f) => ({ ...f, label: DEPLOY_SETTING_LABELS[f.field] ?? f.label }));
    throw badRequest(fields.map(problemText).join("; "), fields);
  }
  const body = parsed.data;
  const changed = await saveDeploySettings(body, { login: user.login, role: user.role, ip: clientIp(req) });
  return NextResponse.json({ ok: true, settings: changed.after });
});
