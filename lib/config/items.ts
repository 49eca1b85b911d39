/**
 * Generic items (lib/bacula/tree.ts) as the database keeps them: JSON, with every value of a
 * password-store directive encrypted (lib/secrets), and read back with their shape checked. The
 * directive tables say which directives hold passwords, at any depth of sub-blocks.
 */
import { z } from "zod";
import { findDirective } from "@/lib/bacula/tables";
import type { BlockDef } from "@/lib/bacula/tables/types";
import type { Item, Value } from "@/lib/bacula/tree";
import { decryptSecret, encryptSecret } from "@/lib/secrets";
import { valueSchema, type ViewItem } from "@/lib/inventory/view-items";

export type { ViewItem } from "@/lib/inventory/view-items";

export type StoredItem =
  | { kind: "directive"; name: string; value: Value }
  | { kind: "directive"; name: string; enc: string }
  | { kind: "block"; name: string; items: StoredItem[] };


const storedItemSchema: z.ZodType<StoredItem> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal("directive"), name: z.string(), enc: z.string() }).strict(),
    z.object({ kind: z.literal("directive"), name: z.string(), value: valueSchema }).strict(),
    z.object({ kind: z.literal("block"), name: z.string(), items: z.array(storedItemSchema) }).strict(),
  ]),
);

const storedItemsSchema = z.array(storedItemSchema);

/** A directive whose value is a secret: every password store, and the rows the tables mark `secret` (Cloud SecretKey…). */
function isPassword(container: BlockDef | undefined, name: string): boolean {
  const def = container ? findDirective(container, name) : undefined;
  return def?.store === "password" || def?.secret === true;
}

/** Items ready for a JSON column: passwords encrypted, positions dropped. */
export function sealItems(items: readonly Item[], container: BlockDef | undefined): StoredItem[] {
  return items.map((it): StoredItem => {
    if (it.kind === "block") {
      const def = container ? findDirective(container, it.name) : undefined;
      return { kind: "block", name: it.name, items: sealItems(it.items, def?.block) };
    }
    if (isPassword(container, it.name) && typeof it.value === "string") return { kind: "directive", name: it.name, enc: encryptSecret(it.value) };
    return { kind: "directive", name: it.name, value: it.value };
  });
}

/** Items from a JSON column (null: none), passwords decrypted. Throws on a malformed column. */
export function openItems(json: unknown, container: BlockDef | undefined): Item[] {
  if (json === null || json === undefined) return [];
  const parsed = storedItemsSchema.parse(json);
  const open = (list: StoredItem[], c: BlockDef | undefined): Item[] =>
    list.map((it): Item => {
      if (it.kind === "block") {
        const def = c ? findDirective(c, it.name) : undefined;
        return { kind: "block", name: it.name, items: open(it.items, def?.block) };
      }
      if ("enc" in it) return { kind: "directive", name: it.name, value: decryptSecret(it.enc) };
      return { kind: "directive", name: it.name, value: it.value };
    });
  return open(parsed, container);
}

export function viewItems(json: unknown, container: BlockDef | undefined): ViewItem[] {
  if (json === null || json === undefined) return [];
  const parsed = storedItemsSchema.safeParse(json);
  if (!parsed.success) return [];
  const view = (list: StoredItem[], c: BlockDef | undefined): ViewItem[] =>
    list.map((it): ViewItem => {
      if (it.kind === "block") {
        const def = c ? findDirective(c, it.name) : undefined;
        return { kind: "block", name: it.name, items: view(it.items, def?.block) };
      }
      if ("enc" in it || isPassword(c, it.name)) return { kind: "directive", name: it.name, value: "", secret: true };
      return { kind: "directive", name: it.name, value: it.value };
    });
  return view(parsed.data, container);
}

/**
 * Items sent by a client, with kept secrets filled in from the stored items: a password item with
 * `secret: true` and an empty value takes the stored value of the same directive at the same
 * position among its namesakes (none stored: refused by the caller's validation as empty).
 */
export function mergeKeptSecrets(incoming: readonly ViewItem[], storedJson: unknown, container: BlockDef | undefined): Item[] {
  const stored = storedJson === null || storedJson === undefined ? [] : storedItemsSchema.parse(storedJson);
  const walk = (list: readonly ViewItem[], old: StoredItem[], c: BlockDef | undefined): Item[] => {
    const seen = new Map<string, number>();
    return list.map((it): Item => {
      const n = seen.get(it.name) ?? 0;
      seen.set(it.name, n + 1);
      const namesakes = old.filter((o) => o.name === it.name);
      if (it.kind === "block") {
        const def = c ? findDirective(c, it.name) : undefined;
        const prev = namesakes[n];
        return { kind: "block", name: it.name, items: walk(it.items ?? [], prev && prev.kind === "block" ? prev.items : [], def?.block) };
      }
      if (it.secret && (it.value === "" || it.value === undefined) && isPassword(c, it.name)) {
        const prev = namesakes[n];
        if (prev && prev.kind === "directive" && "enc" in prev) return { kind: "directive", name: it.name, value: decryptSecret(prev.enc) };
        return { kind: "directive", name: it.name, value: "" };
      }
      return { kind: "directive", name: it.name, value: it.value as Value };
    });
  };
  return walk(incoming, stored, container);
}

