/**
 * Admin-only controls of the inventory, checked on every path that writes a record (the generic
 * API, the builders): whatever decides who holds the primary role, which key vouches for an
 * address, or which command runs on a host is an admin's decision. Operators get 403 naming the
 * field and what needs an admin. Called from lib/inventory/service.ts inside the write's
 * transaction.
 */
import { prisma, type Tx } from "@/lib/db/client";
import { badRequest, HttpError } from "@/lib/http/errors";
import { checkCommandPolicy } from "@/lib/deploy/commands";
import { splitArgv } from "@/lib/deploy/engine";
import { pinnedHostsAt } from "@/lib/deploy/host-identity";
import { extraPrograms } from "@/lib/deploy/programs";
import { KINDS, type KindKey } from "./fields";
import type { Actor } from "./service";

type Row = Record<string, unknown> & { id: number };

export interface Change {
  op: "create" | "update" | "delete";
  /** The parsed input (create, update). */
  input?: Record<string, unknown>;
  /** The record as it is (update, delete). */
  before?: Row | null;
}

const adminOnly = (field: string, what: string, actor: Actor) =>
  new HttpError(403, `${what} needs an admin (you are ${actor.role ?? "not signed in as an admin"})`, [{ field, rule: "admin-only", message: `${what}: needs an admin` }]);

const DEFAULT_RESTART = String(KINDS["storage-daemons"].fields.find((f) => f.key === "restartCommand")?.defaultValue ?? "");

/** The value a field will hold after the write (null on update means the field's default). */
function effective(kind: KindKey, key: string, value: unknown): unknown {
  if (value !== null) return value;
  return KINDS[kind].fields.find((f) => f.key === key)?.defaultValue ?? null;
}

function changed(kind: KindKey, c: Change, key: string): boolean {
  const v = c.input?.[key];
  if (c.op === "create") return v !== undefined && v !== null && v !== effective(kind, key, null);
  if (c.op !== "update" || v === undefined) return false;
  return (effective(kind, key, v) ?? null) !== (c.before?.[key] ?? null);
}

export async function assertAdminControls(tx: Tx | typeof prisma, kind: KindKey, c: Change, actor: Actor): Promise<void> {
  const admin = actor.role === "admin";
  const input = c.input ?? {};
  switch (kind) {
    case "hosts": {
      const address = typeof input.address === "string" ? input.address : null;
      const moves = c.op === "create" || (c.op === "update" && address !== null && address !== c.before?.address);
      if (!admin && address && moves) {
        const other = (await pinnedHostsAt(address, c.before?.id ?? null, tx))[0];
        if (other) throw adminOnly("address", `A Host record for ${address}, which host "${other.name}" already reaches with a pinned key,`, actor);
      }
      return;
    }
    case "directors": {
      if (c.op === "create" && !admin && (input.role === "primary" || input.role === "standby")) {
        throw adminOnly("role", `Creating a Director as ${String(input.role)}`, actor);
      }
      if (c.op === "update" && !admin) {
        const which = ["role", "primaryId"].filter((k) => changed(kind, c, k));
        if (which.length) throw adminOnly(which[0], `Changing ${which.join(" and ")} of a Director (it swaps primary and standby; or use the promotion flow)`, actor);
      }
      return;
    }
    case "catalog-members": {
      if (admin) return;
      if (c.op === "create" && input.role === "primary") throw adminOnly("role", "Creating a primary catalog member", actor);
      if (c.op === "update" && changed(kind, c, "role")) throw adminOnly("role", "Changing the role of a catalog member (or use the promotion flow)", actor);
      if (c.op === "delete" && c.before?.role === "primary") throw adminOnly("role", `Deleting the primary catalog member "${String(c.before.name)}"`, actor);
      return;
    }
    case "storage-daemons": {
      if (c.op === "delete" || input.restartCommand === undefined) return;
      const command = String(effective(kind, "restartCommand", input.restartCommand) ?? DEFAULT_RESTART);
      if (changed(kind, c, "restartCommand") && !admin) throw adminOnly("restartCommand", "Setting a Storage Daemon's restart command (it runs on the host)", actor);
      let problem: { rule: string; message: string } | null;
      try {
        problem = checkCommandPolicy(splitArgv(command), await extraPrograms(tx));
      } catch (err) {
        problem = { rule: "argv", message: (err as Error).message };
      }
      if (problem) throw badRequest(`restartCommand: ${problem.message}`, [{ field: "restartCommand", rule: problem.rule, message: problem.message }]);
      return;
    }
    default:
      return;
  }
}
