/**
 * Generic items (a record's other directives, a stored resource's body) as the API sends and takes
 * them: like lib/bacula/tree.ts items, except that a password is never sent: its item comes with an
 * empty value and `secret: true`, and a client that sends it back so keeps the stored value.
 * Client-safe (zod only): the forms validate with the same schema.
 */
import { z } from "zod";
import type { Value } from "@/lib/bacula/tree";

export interface ViewItem {
  kind: "directive" | "block";
  name: string;
  value?: Value;
  secret?: true;
  items?: ViewItem[];
}

export const valueSchema: z.ZodType<Value> = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  z.object({ where: z.array(z.string()).optional(), types: z.array(z.string()) }).strict(),
  z.array(z.object({ family: z.enum(["ip", "ipv4", "ipv6"]), addr: z.string().optional(), port: z.string().optional() }).strict()),
]);

export const viewItemSchema: z.ZodType<ViewItem> = z.lazy(() =>
  z
    .object({
      kind: z.enum(["directive", "block"]),
      name: z.string().min(1).max(64),
      value: valueSchema.optional(),
      secret: z.literal(true).optional(),
      items: z.array(viewItemSchema).max(500).optional(),
    })
    .strict(),
);

export const viewItemsSchema = z.array(viewItemSchema).max(2000, "may hold at most 2000 directives");

/** The text shown for a kept password in the directive editor. */
export const KEPT_SECRET = "(stored)";
