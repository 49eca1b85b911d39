/**
 * Saving a daemon's deploy settings (PUT /api/deploy/targets). What runs on a host is an admin's
 * decision: start / stop commands and bconsole's path and config are admin-only (403 naming each
 * field); commands must pass the command policy (lib/deploy/commands.ts, with the admin's extra
 * programs); bconsole and its config are checked on the Director's host (lib/deploy/host-checks.ts)
 * before they are saved. Audited with before / after.
 */
import { audit } from "@/lib/audit";
import type { Role } from "@/lib/auth/roles";
import { prisma } from "@/lib/db/client";
import { HttpError, type FieldError } from "@/lib/http/errors";
import { checkBconsoleConfig, checkBconsolePath, checkCommandPolicy } from "./commands";
import { splitArgv, type OpenTransport } from "./engine";
import { runHostChecks, type HostCheck } from "./host-checks";
import { extraPrograms } from "./programs";
import { bconsoleOf, parseTargetKey, planTargets, stateOf, updateSettings } from "./service";
import { DEFAULT_COMMANDS, DEPLOY_SETTING_LABELS, readSettings, type SettingsUpdate } from "./settings";
import { problemText } from "@/lib/http/field-label";
import { sshTransport } from "./transport";

/** Settings that choose what runs on the host. */
export const ADMIN_SETTINGS = ["bconsolePath", "bconsoleConfig", "startCommand", "stopCommand", "restartCommand"] as const;
type AdminSetting = (typeof ADMIN_SETTINGS)[number];

/** Field errors name the setting as the Deploy page labels it. */
function labelled(errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({ ...e, label: DEPLOY_SETTING_LABELS[e.field] ?? e.label }));
}

export interface SettingsActor {
  login: string;
  role: Role;
  ip: string | null;
}

export async function saveDeploySettings(body: SettingsUpdate, actor: SettingsActor, open: OpenTransport = sshTransport({ connectTimeoutMs: 8_000 })) {
  const { target, ...data } = body;
  const k = parseTargetKey(target)!;
  const exists = k.kind === "director"
    ? await prisma.director.findUnique({ where: { id: k.id }, select: { id: true, configDir: true } })
    : k.kind === "client"
      ? await prisma.client.findUnique({ where: { id: k.id }, select: { id: true, fdConfigDir: true } }).then((c) => (c ? { id: c.id, configDir: c.fdConfigDir } : null))
      : await prisma.storageDaemon.findUnique({ where: { id: k.id }, select: { id: true, configDir: true } });
  if (!exists) {
    const what = `no ${k.kind === "director" ? "Director" : k.kind === "client" ? "Client" : "Storage Daemon"} with id ${k.id}`;
    throw new HttpError(404, `Target: ${what}`, labelled([{ field: "target", rule: "exists", message: what }]));
  }

  const row = await stateOf(k.kind, k.id);
  const stored = readSettings(row?.settings);
  // What runs today, defaults included: sending the value in force (or its default) changes nothing.
  const builtIn = bconsoleOf(exists, null);
  const commands = DEFAULT_COMMANDS[k.kind];
  const defaults: Record<AdminSetting, string> = {
    bconsolePath: builtIn.bconsole,
    bconsoleConfig: builtIn.config,
    startCommand: commands.startCommand,
    stopCommand: commands.stopCommand,
    restartCommand: commands.restartCommand ?? "",
  };
  const current: Record<AdminSetting, string> = {
    bconsolePath: row?.bconsolePath || defaults.bconsolePath,
    bconsoleConfig: row?.bconsoleConfig || defaults.bconsoleConfig,
    startCommand: stored.startCommand ?? defaults.startCommand,
    stopCommand: stored.stopCommand ?? defaults.stopCommand,
    restartCommand: stored.restartCommand ?? defaults.restartCommand,
  };
  const changed = ADMIN_SETTINGS.filter((f) => data[f] !== undefined && (data[f] || defaults[f]) !== current[f]);
  if (changed.length && actor.role !== "admin") {
    throw new HttpError(
      403,
      `${changed.map((f) => DEPLOY_SETTING_LABELS[f]).join(", ")}: what runs on a host needs an admin (you are ${actor.role})`,
      labelled(changed.map((field) => ({ field, rule: "admin-only", message: "chooses what runs on the host: needs an admin" }))),
    );
  }

  const errors: FieldError[] = [];
  const extras = await extraPrograms();
  for (const f of ["startCommand", "stopCommand", "restartCommand"] as const) {
    const v = data[f];
    if (!v) continue;
    try {
      const p = checkCommandPolicy(splitArgv(v), extras);
      if (p) errors.push({ field: f, rule: p.rule, message: p.message });
    } catch (err) {
      errors.push({ field: f, rule: "argv", message: (err as Error).message });
    }
  }
  const checks: HostCheck[] = [];
  if (data.bconsolePath && changed.includes("bconsolePath")) {
    const p = checkBconsolePath(data.bconsolePath);
    if (p) errors.push({ field: "bconsolePath", rule: p.rule, message: p.message });
    else checks.push({ field: "bconsolePath", path: data.bconsolePath, kind: "program" });
  }
  if (data.bconsoleConfig && changed.includes("bconsoleConfig")) {
    const p = checkBconsoleConfig(data.bconsoleConfig);
    if (p) errors.push({ field: "bconsoleConfig", rule: p.rule, message: p.message });
    else checks.push({ field: "bconsoleConfig", path: data.bconsoleConfig, kind: "file" });
  }
  if (errors.length) throw new HttpError(400, labelled(errors).map(problemText).join("; "), labelled(errors));
  if (checks.length) errors.push(...(await checkOnDirectorHost(target, checks, open)));
  if (errors.length) throw new HttpError(400, labelled(errors).map(problemText).join("; "), labelled(errors));

  const result = await updateSettings(target, data);
  await audit({ actor: actor.login, action: "deploy_settings", entityType: "deploy-target", entityId: target, before: result.before, after: result.after, ip: actor.ip });
  return result;
}

/** Runs the checks on the Director's host; a host that cannot be reached is a 409 naming the fields. */
async function checkOnDirectorHost(target: string, checks: HostCheck[], open: OpenTransport): Promise<FieldError[]> {
  const [plan] = await planTargets([target]);
  const h = plan?.target.host;
  const unusable = !h?.address ? "the Director has no host" : !h.privateKey ? "its host has no usable SSH key" : !h.pinnedFingerprint ? `the host key of ${h.name} is not pinned yet` : null;
  const refuse = (why: string) =>
    new HttpError(409, `Cannot check ${checks.map((c) => DEPLOY_SETTING_LABELS[c.field] ?? c.field).join(" and ")} on the host: ${why}`, labelled(checks.map((c) => ({ field: c.field, rule: "host-check", message: `must be checked on the Director's host, and ${why}` }))));
  if (unusable) throw refuse(unusable);
  let tr;
  try {
    tr = await open(h!);
  } catch (err) {
    throw refuse(`${h!.name} does not answer (${(err as Error).message})`);
  }
  try {
    return await runHostChecks(tr, checks, h!.name);
  } finally {
    await tr.close().catch(() => {});
  }
}
