/**
 * The names a page of records points at (its `ref` fields: a Job's Pool, Client, FileSet…), read in
 * one statement for the whole page instead of one relation query per field: on a list that was
 * most of Prisma's per-request work (each query compiled on the one server thread). Each row gets
 * the same `{ id, name }` objects under the field's relation name that an `include` of
 * `{ select: { id, name } }` would give it (null where the id is null).
 */
import { prisma } from "@/lib/db/client";
import { param } from "@/lib/db/sql";
import { KINDS, type KindKey } from "./fields";

type Row = Record<string, unknown>;
type Named = { id: number; name: string };

/** The table of a kind's model (no @@map in the schema: the model's name). */
function tableOf(model: string): string {
  return model.charAt(0).toUpperCase() + model.slice(1);
}

/** The ref fields of a kind that lists load this way (the others, storage lists and the like, stay in the include). */
function refFields(kind: KindKey) {
  return KINDS[kind].fields.filter((f) => f.type === "ref" && f.relation && f.ref);
}

export async function attachRefNames(kind: KindKey, rows: Row[], model: Record<KindKey, string>): Promise<void> {
  const refs = refFields(kind);
  if (refs.length === 0 || rows.length === 0) return;
  const wanted = new Map<KindKey, Set<number>>();
  for (const row of rows)
    for (const f of refs) {
      const id = row[f.key];
      if (typeof id !== "number") continue;
      let ids = wanted.get(f.ref!);
      if (!ids) wanted.set(f.ref!, (ids = new Set()));
      ids.add(id);
    }
  const found = new Map<string, Named>();
  if (wanted.size > 0) {
    const args: number[] = [];
    const parts: string[] = [];
    for (const [target, ids] of wanted) {
      const marks = [...ids].map((id) => {
        args.push(id);
        return param(args.length);
      });
      // The kind's key as a literal: a label of our own table (kind keys are [a-z-] only).
      parts.push(`SELECT '${target}' AS "k", "id", "name" FROM "${tableOf(model[target])}" WHERE "id" IN (${marks.join(", ")})`);
    }
    const named = await prisma.$queryRawUnsafe<Array<{ k: string; id: number | bigint; name: string }>>(parts.join(" UNION ALL "), ...args);
    for (const r of named) found.set(`${r.k}:${Number(r.id)}`, { id: Number(r.id), name: r.name });
  }
  for (const row of rows)
    for (const f of refs) {
      const id = row[f.key];
      row[f.relation!] = typeof id === "number" ? (found.get(`${f.ref}:${id}`) ?? null) : null;
    }
}
