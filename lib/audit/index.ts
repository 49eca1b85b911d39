import type { Prisma } from "@prisma/client";
import { prisma, type Tx } from "@/lib/db/client";
import type { AuditAction } from "./actions";
import { currentClientAddress } from "./client-address";
import { bulkInsert } from "@/lib/db/bulk";
import { incrementSetting } from "@/lib/db/sql";

export interface AuditInput {
  actor: string;
  /** One of lib/audit/actions.ts (the audit page filters by the same list). */
  action: AuditAction;
  entityType?: string;
  entityId?: string | number;
  entityName?: string;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

const SECRET_KEY = /password|secret|privatekey|token|passphrase/i;

/** Whether a key names a secret, by key (an import redacts the same few keys thousands of times). */
const secretKeys = new Map<string, boolean>();
function isSecretKey(k: string): boolean {
  let r = secretKeys.get(k);
  if (r === undefined) {
    r = SECRET_KEY.test(k) && !k.endsWith("Set");
    if (secretKeys.size < 10_000) secretKeys.set(k, r);
  }
  return r;
}

/** Secrets never reach the audit log: any key that looks like one is replaced by a marker. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) ? (v == null || v === "" ? v : "[secret]") : redact(v);
    }
    return out;
  }
  return value;
}

/**
 * Whether redact() would write anything else than the value itself: a secret key with a value, or
 * an object whose JSON text is not that of its own entries (a toJSON other than Date's, a boxed
 * primitive), anywhere inside. Most audited values hold neither, and their JSON text is then
 * written without the copy (an import audits thousands of records).
 */
function redactChanges(value: unknown): boolean {
  if (value === null || typeof value !== "object" || value instanceof Date) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function" || value instanceof String || value instanceof Number || value instanceof Boolean) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (redactChanges(value[i])) return true;
    return false;
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (isSecretKey(k) ? !(v == null || v === "") : redactChanges(v)) return true;
  }
  return false;
}

function asJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(redact(value))) as Prisma.InputJsonValue;
}

export async function audit(entry: AuditInput, tx?: Tx): Promise<void> {
  const db = tx ?? prisma;
  await db.auditEvent.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId === undefined ? undefined : String(entry.entityId),
      entityName: entry.entityName,
      before: asJson(entry.before),
      after: asJson(entry.after),
      // The request being served (or that started this work) when the caller names none.
      ip: entry.ip ?? currentClientAddress() ?? undefined,
    },
  });
}

/**
 * The JSON text audit() would store for a value (an object or a list: bulkInsert takes a JSON
 * column's text as is, so the value is written once instead of parsed back and written again).
 */
export function jsonText(value: unknown): string | Prisma.InputJsonValue | undefined {
  if (value !== null && typeof value === "object") return JSON.stringify(redactChanges(value) ? redact(value) : value);
  return asJson(value);
}

/** Many audit events in few statements (an import writes one per record). */
export async function auditMany(entries: readonly AuditInput[], tx: Tx): Promise<void> {
  if (entries.length === 0) return;
  const at = new Date();
  const ip = currentClientAddress();
  await bulkInsert(
    tx,
    "AuditEvent",
    entries.map((entry) => ({
      at,
      actor: entry.actor,
      action: entry.action,
      entityType: entry.entityType ?? null,
      entityId: entry.entityId === undefined ? null : String(entry.entityId),
      entityName: entry.entityName ?? null,
      before: jsonText(entry.before) ?? null,
      after: jsonText(entry.after) ?? null,
      ip: entry.ip ?? ip ?? null,
    })),
    [],
  );
}

/** Every change bumps the model revision; rendered configs cite it in their header. */
export async function bumpModelRevision(tx?: Tx): Promise<number> {
  // One statement: concurrent writers (PostgreSQL reads committed data; several instances) never get the same revision.
  return incrementSetting(tx ?? prisma, "modelRevision");
}
