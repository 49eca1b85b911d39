/**
 * What the model would deploy, per daemon, as drift hashes: for the topology map's drift badges,
 * without rendering every daemon per request.
 *
 * The drift hash of a daemon's files (hashes.ts) only changes when what renders them changes: the
 * model (its revision), the per-daemon deploy settings (a standby's replication Job goes into its
 * primary's file), and, for the problems a plan reports, the hosts and the allowed programs. Those
 * are read in one aggregate query (the stamp); the digests of one stamp are computed once (every
 * daemon planned: rendered and validated) and kept in memory and in the Setting table, so a restart
 * does not render everything again for the first visit. Drift itself is the cheap part and is
 * computed per request from the daemons' deploy states (driftState).
 */
import { createHash } from "node:crypto";
import { prisma } from "@/lib/db/client";
import { groupConcat } from "@/lib/db/sql";
import { driftHash } from "./hashes";
import { planTargets } from "./service";

export interface ModelDigest {
  /** Drift hash of the files the model renders (null: nothing renders, e.g. validation errors). */
  hash: string | null;
  /** Problems the plan reports (validation, host, commands): shown as a count on the map. */
  problems: number;
}

const SETTING_KEY = "deploy.modelDigests";
const MEMO = Symbol.for("bacula-ha.deploy.modelDigests");
type Memo = { stamp: string; value: Promise<Map<string, ModelDigest>> };

/** Changes whenever anything a plan depends on changes (model revision, deploy settings, hosts, allowed programs). */
export async function planStamp(): Promise<string> {
  const rows = await prisma.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT (SELECT "value" FROM "Setting" WHERE "key" = 'modelRevision') AS rev,
            (SELECT "value" FROM "Setting" WHERE "key" = 'deploy.extraPrograms') AS programs,
            (SELECT CAST(COUNT(*) AS TEXT) || ':' || COALESCE(CAST(MAX("updatedAt") AS TEXT), '') || ':' || CAST(COALESCE(SUM("id"), 0) AS TEXT) FROM "Host") AS hosts,
            (SELECT ${groupConcat(`kind || ':' || CAST("daemonId" AS TEXT) || ':' || COALESCE("bconsolePath", '') || ':' || COALESCE("bconsoleConfig", '') || ':' || COALESCE("testTool", '') || ':' || COALESCE(CAST(settings AS TEXT), '')`, "|", `kind, "daemonId"`)} FROM "DaemonDeployState"
              WHERE "bconsolePath" IS NOT NULL OR "bconsoleConfig" IS NOT NULL OR "testTool" IS NOT NULL OR settings IS NOT NULL) AS settings`,
  );
  const text = JSON.stringify(rows[0], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return createHash("sha256").update(text).digest("base64url");
}

async function compute(stamp: string): Promise<Map<string, ModelDigest>> {
  const stored = await prisma.setting.findUnique({ where: { key: SETTING_KEY } });
  if (stored) {
    try {
      const parsed = JSON.parse(stored.value) as { stamp?: unknown; digests?: unknown };
      if (parsed.stamp === stamp && parsed.digests && typeof parsed.digests === "object") {
        return new Map(Object.entries(parsed.digests as Record<string, ModelDigest>));
      }
    } catch {
      /* recomputed below */
    }
  }
  const plans = await planTargets();
  const digests = new Map<string, ModelDigest>();
  for (const p of plans) digests.set(p.target.key, { hash: p.target.files[0].content ? driftHash(p.target.files) : null, problems: p.problems.length });
  const value = JSON.stringify({ stamp, digests: Object.fromEntries(digests) });
  await prisma.setting.upsert({ where: { key: SETTING_KEY }, create: { key: SETTING_KEY, value }, update: { value } }).catch(() => undefined);
  return digests;
}

/** The model's digest of every daemon, for the current stamp (computed once per stamp and process, or read back from the database). */
export async function modelDigests(): Promise<Map<string, ModelDigest>> {
  const stamp = await planStamp();
  const g = globalThis as unknown as Record<symbol, Memo | undefined>;
  const hit = g[MEMO];
  if (hit && hit.stamp === stamp) return hit.value;
  const value = compute(stamp);
  g[MEMO] = { stamp, value };
  value.catch(() => {
    if (g[MEMO]?.value === value) delete g[MEMO];
  });
  return value;
}
