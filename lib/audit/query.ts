import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { actionCondition, isAuditActionFilter } from "./actions";
import { strictInt } from "@/lib/http/numbers";
import { containsText } from "@/lib/db/sql";

export const auditQuerySchema = z.object({
  q: z.string().max(200).optional(),
  action: z
    .string()
    .max(64)
    .refine((v) => v === "" || isAuditActionFilter(v), "is not an action the audit log records")
    .optional(),
  page: strictInt({ min: 1, rangeMessage: "must be 1 or more" }).default(1),
  pageSize: strictInt({ min: 1, max: 200, rangeMessage: "must be between 1 and 200" }).default(50),
});

export async function listAudit(raw: Record<string, string>) {
  const query = auditQuerySchema.parse(raw);
  const where: Record<string, unknown> = {};
  if (query.action && isAuditActionFilter(query.action)) where.action = actionCondition(query.action);
  if (query.q) where.OR = [{ actor: containsText(query.q) }, { entityName: containsText(query.q) }, { entityType: containsText(query.q) }];
  const [total, items] = await Promise.all([
    prisma.auditEvent.count({ where }),
    prisma.auditEvent.findMany({ where, orderBy: [{ at: "desc" }, { id: "desc" }], skip: (query.page - 1) * query.pageSize, take: query.pageSize }),
  ]);
  return { items, total, page: query.page, pageSize: query.pageSize };
}
