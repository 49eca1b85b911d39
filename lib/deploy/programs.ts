/**
 * The programs an admin allowed beyond lib/deploy/commands.ts's list (a local start script, a
 * vendor's service wrapper ...): stored in the Setting table, changed by admins only, audited
 * with before/after. Never an interpreter (checkExtraProgram).
 */
import { z } from "zod";
import { audit } from "@/lib/audit";
import { prisma, type Tx } from "@/lib/db/client";
import { checkExtraProgram } from "./commands";

const KEY = "deploy.extraPrograms";

export const extraProgramsSchema = z
  .object({
    programs: z
      .array(
        z
          .string()
          .trim()
          .min(1, "is required")
          .max(512, "must be at most 512 characters")
          .superRefine((p, ctx) => {
            const problem = checkExtraProgram(p);
            if (problem) ctx.addIssue({ code: "custom", message: problem.message, params: { rule: problem.rule } });
          }),
      )
      .max(50, "may hold at most 50 programs")
      .refine((l) => new Set(l).size === l.length, { message: "lists a program twice" }),
  })
  .strict();

/** The admin's extra programs (the stored list, re-checked: an entry that no longer passes is dropped). */
export async function extraPrograms(db: Tx | typeof prisma = prisma): Promise<string[]> {
  const row = await db.setting.findUnique({ where: { key: KEY } });
  if (!row) return [];
  try {
    const list: unknown = JSON.parse(row.value);
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === "string" && checkExtraProgram(p) === null) : [];
  } catch {
    return [];
  }
}

export async function setExtraPrograms(body: unknown, actor: { login: string; ip: string | null }): Promise<string[]> {
  const { programs } = extraProgramsSchema.parse(body);
  return prisma.$transaction(async (tx) => {
    const before = await extraPrograms(tx);
    await tx.setting.upsert({ where: { key: KEY }, create: { key: KEY, value: JSON.stringify(programs) }, update: { value: JSON.stringify(programs) } });
    await audit({ actor: actor.login, ip: actor.ip, action: "deploy_programs", entityType: "setting", entityId: KEY, entityName: "allowed programs", before: { programs: before }, after: { programs } }, tx);
    return programs;
  });
}
