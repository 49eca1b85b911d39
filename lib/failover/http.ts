/** Route-handler glue of the failover API: params, error mapping, views. */
import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { HttpError, notFound } from "@/lib/http/errors";
import { PromotionNotFound, PromotionRefused } from "./machine";
import { ReattachRefused } from "./reattach";
import { DirectorSwitchRefused } from "./director-op";
import { loadPromotion, toView } from "./runner";
import type { PromotionView } from "./types";
import { strictId } from "@/lib/http/numbers";

export const clusterParams = z.object({ clusterId: strictId() });
export const idParams = z.object({ id: strictId() });

export function mapFailoverError(err: unknown): never {
  if (err instanceof PromotionRefused || err instanceof ReattachRefused) {
    const field = err.field ?? "targetMemberId";
    throw new HttpError(409, err.message, [{ field, rule: "refused", message: err.message }], { preflight: err.preflight });
  }
  if (err instanceof DirectorSwitchRefused) {
    const field = err.field ?? "directors";
    throw new HttpError(409, err.message, [{ field, rule: "refused", message: err.message }], { preflight: err.preflight });
  }
  if (err instanceof PromotionNotFound) throw notFound(err.message);
  if (err instanceof Error && /does not exist|is not in catalog cluster/.test(err.message)) throw notFound(err.message);
  throw err;
}

export async function promotionView(id: number): Promise<PromotionView> {
  const p = await loadPromotion(prisma, id);
  if (!p) throw notFound(`promotion ${id} does not exist`);
  return toView(p);
}

export async function clusterOverview(clusterId: number) {
  const c = await prisma.catalogCluster.findUnique({
    where: { id: clusterId },
    include: { members: { orderBy: { name: "asc" } }, catalogs: { select: { id: true, name: true, dbAddress: true, dbPort: true } } },
  });
  if (!c) throw notFound(`catalog cluster ${clusterId} does not exist`);
  const running = await prisma.promotion.findFirst({ where: { clusterId, status: "running" }, select: { id: true } });
  return {
    cluster: { id: c.id, name: c.name, maxLagBytes: c.maxLagBytes },
    members: c.members.map((m) => ({
      id: m.id,
      name: m.name,
      role: m.role,
      fenced: m.fenced,
      address: m.address,
      port: m.port,
      adminPasswordSet: !!m.adminPasswordEnc,
      sshHostSet: m.hostId !== null,
    })),
    catalogs: c.catalogs,
    runningPromotionId: running?.id ?? null,
  };
}
