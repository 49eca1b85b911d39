import { isKind, type KindKey } from "@/lib/inventory/fields";
import { badRequest, notFound } from "./errors";

export function kindParam(value: string): KindKey {
  if (!isKind(value)) throw notFound(`No resource type "${value}"`);
  return value;
}

export function idParam(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) {
    throw badRequest("id must be a positive whole number", [{ field: "id", rule: "id", message: "must be a positive whole number" }]);
  }
  return id;
}

export function searchParams(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams.entries());
}
