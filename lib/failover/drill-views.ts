/**
 * The stored DR drill reports, as the API and the DR drill page show them: every drill of every
 * cluster (Promotion rows of kind "drill") with its report (RTO, catalog lag before, the tests),
 * each step's time, and, for one drill, each step's log.
 */
import type { PrismaClient } from "@prisma/client";
import { notFound } from "@/lib/http/errors";
import { drillReportOf, type DrillReport } from "./drill";
import { loadPromotion, toView } from "./runner";
import { sitePairs } from "./site-pairs";
import type { PromotionView } from "./types";

export interface DrillSummary {
  id: number;
  clusterId: number;
  clusterName: string;
  job: string;
  from: string | null;
  status: string;
  actor: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  report: DrillReport | null;
  steps: { name: string; status: string; ms: number | null }[];
}

const ms = (a: Date | string | null, b: Date | string | null) => (a && b ? new Date(b).getTime() - new Date(a).getTime() : null);

export async function listDrills(db: PrismaClient, limit = 50): Promise<DrillSummary[]> {
  const rows = await db.promotion.findMany({
    where: { kind: "drill" },
    orderBy: { id: "desc" },
    take: limit,
    include: { cluster: { select: { name: true } }, steps: { orderBy: { position: "asc" } } },
  });
  return rows.map((p) => ({
    id: p.id,
    clusterId: p.clusterId,
    clusterName: p.cluster.name,
    job: p.targetName,
    from: p.oldPrimaryName,
    status: p.status,
    actor: p.actor,
    startedAt: p.startedAt.toISOString(),
    finishedAt: p.finishedAt?.toISOString() ?? null,
    error: p.error,
    report: drillReportOf(p.state),
    steps: p.steps.map((s) => ({ name: s.name, status: s.status, ms: ms(s.startedAt, s.finishedAt) })),
  }));
}

export async function drillDetail(db: PrismaClient, id: number): Promise<{ drill: PromotionView; report: DrillReport | null }> {
  const p = await loadPromotion(db, id);
  if (!p || p.kind !== "drill") throw notFound(`DR drill ${id} does not exist`);
  return { drill: toView(p), report: drillReportOf(p.state) };
}

export interface DrillOption {
  clusterId: number;
  clusterName: string;
  primary: string;
  standby: string | null;
  standbySite: string | null;
  jobs: string[];
}

/** What a drill can be run on: each site pair with a catalog cluster, and its Backup jobs. */
export async function drillOptions(db: PrismaClient): Promise<DrillOption[]> {
  return (await sitePairs(db))
    .filter((p) => p.cluster)
    .map((p) => ({
      clusterId: p.cluster!.id,
      clusterName: p.cluster!.name,
      primary: p.primary.name,
      standby: p.standby?.name ?? null,
      standbySite: p.standby?.site || null,
      jobs: p.backupJobs.map((j) => j.name),
    }));
}
