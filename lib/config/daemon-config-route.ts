/**
 * The route handlers of the config pages' API, shared by GET /api/config/{kind}/{id} and the
 * reveal (POST /api/config/{kind}/{id}/reveal). Rendered configs hold the daemons' passwords: GET
 * answers them masked (viewer); the unmasked text only to an admin, by a POST (no side effect
 * rides on a GET, and the reveal is audited), never cached.
 */
import { NextResponse } from "next/server";
import { audit } from "@/lib/audit";
import { clientIp, requireUser } from "@/lib/auth/guard";
import { notFound } from "@/lib/http/errors";
import { api } from "@/lib/http/handler";
import { idParam } from "@/lib/http/kind";
import { daemonConfigView, revealDaemonConfig } from "./daemon-config";
import { DAEMON_CONFIG_KINDS, isDaemonConfigKind, type DaemonConfigKind } from "./daemon-kinds";

type Ctx = { params: Promise<{ daemon?: string; id: string }> };

const NO_STORE = { "cache-control": "private, no-store" };

function kindOf(fixed: DaemonConfigKind | undefined, param: string | undefined): DaemonConfigKind {
  const k = fixed ?? param ?? "";
  if (!isDaemonConfigKind(k)) throw notFound(`No config kind "${k}" (one of ${Object.keys(DAEMON_CONFIG_KINDS).join(", ")})`);
  return k;
}

/** GET: the whole file, passwords masked, its problems and the diff against the last deployed file (viewer). */
export function daemonConfigGet(fixed?: DaemonConfigKind) {
  return api<Ctx>(async (req, ctx) => {
    await requireUser(req, "viewer");
    const p = await ctx.params;
    const kind = kindOf(fixed, p.daemon);
    return NextResponse.json(await daemonConfigView(kind, idParam(p.id)), { headers: NO_STORE });
  });
}

/** POST .../reveal: the unmasked file, for an admin; audited (who, which file, from where), never cached. */
export function daemonConfigReveal() {
  return api<Ctx>(async (req, ctx) => {
    const user = await requireUser(req, "admin");
    const p = await ctx.params;
    const kind = kindOf(undefined, p.daemon);
    const id = idParam(p.id);
    const r = await revealDaemonConfig(kind, id);
    await audit({
      actor: user.login,
      action: "config_reveal",
      entityType: DAEMON_CONFIG_KINDS[kind].record,
      entityId: id,
      entityName: r.name || undefined,
      after: { file: r.file, kind, revealed: r.text !== null },
      ip: clientIp(req),
    });
    return NextResponse.json({ file: r.file, text: r.text }, { headers: NO_STORE });
  });
}
