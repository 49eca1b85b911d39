import { isKind, type KindKey } from "@/lib/inventory/fields";
import { badRequest, notFound } from "./errors";
import { INT32_MAX } from "./numbers";

export function kindParam(value: string): KindKey {
  if (!isKind(value)) throw notFound(`No resource type "${value}"`);
  return value;
}

/** A route's `[id]`: decimal digits only, 1 to INT32_MAX (ids are Int columns; 1e20 would reach the database). */
export function idParam(value: string, field = "id"): number {
  const id = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(id) || id <= 0 || id > INT32_MAX) {
    throw badRequest(`${field} must be a positive whole number up to ${INT32_MAX}`, [
      { field, rule: "id", message: `must be a positive whole number up to ${INT32_MAX}` },
    ]);
  }
  return id;
}

export function searchParams(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams.entries());
}
