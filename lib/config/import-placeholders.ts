/**
 * A placeholder Storage Daemon meets its bacula-sd.conf (lib/config/import-to-db.ts runs this after
 * an SD config's devices and resources are saved).
 *
 * A Director imported without its SDs gets a placeholder SD for its Storages, at their address and
 * port and with their password. When that daemon's bacula-sd.conf is imported later, on its own,
 * the Storages move to the real SD: each one the config accepts (its Director resource for that
 * Director has the Storage's password) and that names a Device or Autochanger of the config. A
 * moved Storage keeps the address, port and password it used, as its own where the real SD's
 * differ, so the Director's bacula-dir.conf renders as before; the SD renders its Director
 * resources from those same passwords, so its own file does too. A Storage that cannot move is
 * said, with the reason.
 *
 * A placeholder that serves no Storage any more (here, or after a Director's import moved its
 * Storages) renders no valid bacula-sd.conf: it is deleted, with the devices made up for it, while
 * it is as the import made it (no row of it changed since, no host, no deploy settings). One that
 * was edited is named, for the operator to delete.
 *
 * A placeholder is this config's daemon when it is at the same port and either at the same
 * address or serving a Storage this config accepts and has the device of (the same SD under
 * another name, "localhost" against 127.0.0.1, as in Debian's files), unless one Director reaches
 * two such placeholders at two addresses (claimPlaceholders). Storages of Directors in the same
 * import are left to that Director's import, which finds the real SD itself.
 */
import { FILE_DEVICE } from "@/lib/bacula/model";
import type { Tx } from "@/lib/db/client";
import { decryptSecret } from "@/lib/secrets";
import type { Device, Director, Storage, StorageDaemon } from "@prisma/client";
import { rawQuery } from "@/lib/db/direct";
import { rawFindMany } from "@/lib/db/raw-rows";
import { param } from "@/lib/db/sql";

export interface PlaceholderTools {
  tx: Tx;
  /** Adds a warning at the SD config's Storage resource. */
  warn(message: string): void;
  /**
   * Updates a Storage's columns and its own password (undefined: the SD's) when they differ, and
   * records the change; its Director is validated with the import's result.
   */
  saveStorage(existing: Record<string, unknown>, name: string, directorId: number, cols: Record<string, unknown>, password: string | undefined): Promise<void>;
  /** Records the deletion of a record (a change and an audit event). */
  removed(kind: "storage-daemons" | "devices", name: string, id: number): void;
}

/** The SD just saved from its config. */
export interface RealSd {
  id: number;
  name: string;
  address: string;
  port: number;
  password?: string;
  /** Its Devices, by name (a Storage on one of its Autochangers has no device row). */
  devices: ReadonlyMap<string, { id: number }>;
}

/** The columns of a device made up on a placeholder SD for a Storage's Device name. */
export function placeholderDevice(name: string, mediaType: string) {
  return {
    name,
    mediaType,
    archiveDevice: `/var/lib/bacula/volumes/${name.replace(/[^A-Za-z0-9._-]/g, "_")}`,
    ...FILE_DEVICE,
  };
}

const untouched = (row: { createdAt: Date; updatedAt: Date }) => row.createdAt.getTime() === row.updatedAt.getTime();

/**
 * An SD without a config of its own that no Storage uses any more: a placeholder is deleted with
 * its made-up devices while nothing of it changed since the import made it; any other is named,
 * for the operator to delete.
 */
export async function retirePlaceholder(tools: PlaceholderTools, id: number): Promise<void> {
  const p = await tools.tx.storageDaemon.findUnique({ where: { id }, include: { devices: true, _count: { select: { storages: true, resources: true } } } });
  if (!p || p._count.storages > 0 || p._count.resources > 0) return;
  const deployState = await tools.tx.daemonDeployState.findUnique({ where: { kind_daemonId: { kind: "storage-daemon", daemonId: id } } });
  const madeUp = p.placeholder && untouched(p) && p.hostId === null && !deployState
    && p.devices.every((d) => untouched(d) && d.extra === null && Object.entries(placeholderDevice(d.name, d.mediaType)).every(([k, v]) => d[k as keyof typeof d] === v));
  if (!madeUp) {
    tools.warn(`Storage Daemon "${p.name}" is used by no Storage any more${p.placeholder ? " (a placeholder, edited since an import made it)" : ""}: delete it on the Storage Daemons page`);
    return;
  }
  await tools.tx.device.deleteMany({ where: { storageDaemonId: id } });
  await tools.tx.storageDaemon.delete({ where: { id } });
  for (const d of p.devices) tools.removed("devices", d.name, d.id);
  tools.removed("storage-daemons", p.name, id);
  tools.warn(`Storage Daemon "${p.name}" (a placeholder) is used by no Storage any more: the import removes it${p.devices.length > 0 ? `, with the device${p.devices.length > 1 ? "s" : ""} made up for it (${p.devices.map((d) => d.name).join(", ")})` : ""}`);
}

type PlaceholderRow = StorageDaemon & { storages: (Storage & { director: { id: number; name: string }; device: { name: string } | null })[] };

/**
 * The SDs at `port` without a config of their own (no stored resources), by name, with their
 * Storages (by name, each with its Director's id and name and its device's name). Read raw on the
 * transaction's connection (lib/db/raw-rows.ts): most imports meet none, and one that meets some
 * stays replayable (an import through Prisma records no plan: import-to-db.ts ImportPlan).
 */
async function placeholdersAt(tx: Tx, port: number, notId: number | undefined): Promise<PlaceholderRow[]> {
  const other = notId !== undefined ? ` AND s."id" <> ${param(2)}` : "";
  const ids = (
    await rawQuery<{ id: number }>(
      tx,
      `SELECT s."id" AS "id" FROM "StorageDaemon" s WHERE s."port" = ${param(1)}${other} AND NOT EXISTS (SELECT 1 FROM "ConfigResource" r WHERE r."storageDaemonId" = s."id") ORDER BY s."name" ASC`,
      notId !== undefined ? [port, notId] : [port],
    )
  ).map((r) => Number(r.id));
  if (ids.length === 0) return [];
  const sds = new Map((await rawFindMany<StorageDaemon>(tx, "StorageDaemon", { id: ids })).map((r) => [r.id, r]));
  // (By name in the database's order; past one statement's list, in code points.)
  const storages = ids.length <= 500 ? await rawFindMany<Storage>(tx, "Storage", { storageDaemonId: ids }, { orderBy: "name" }) : (await rawFindMany<Storage>(tx, "Storage", { storageDaemonId: ids })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const directors = new Map((await rawFindMany<Director>(tx, "Director", { id: [...new Set(storages.map((x) => x.directorId))] })).map((d) => [d.id, { id: d.id, name: d.name }]));
  const devices = new Map((await rawFindMany<Device>(tx, "Device", { id: [...new Set(storages.flatMap((x) => (x.deviceId === null ? [] : [x.deviceId])))] })).map((d) => [d.id, { name: d.name }]));
  return ids.map((id) => ({
    ...sds.get(id)!,
    storages: storages
      .filter((x) => x.storageDaemonId === id)
      .map((x) => ({ ...x, director: directors.get(x.directorId)!, device: x.deviceId === null ? null : (devices.get(x.deviceId) ?? null) })),
  }));
}

/** How each Storage of `p` of a Director not in this import reaches it: the address, port, password and device it uses. */
function usesOf(p: PlaceholderRow, importing: ReadonlySet<string>) {
  const placeholderPassword = decryptSecret(p.passwordEnc);
  return p.storages.filter((s) => !importing.has(s.director.name)).map((s) => {
    const names = Array.isArray(s.deviceNames) ? s.deviceNames.map(String) : [];
    return {
      row: s,
      address: s.address ?? p.address,
      port: s.sdPort ?? p.port,
      password: s.passwordEnc ? decryptSecret(s.passwordEnc) : placeholderPassword,
      device: names[0] ?? s.device?.name,
    };
  });
}

/** What an SD config says of itself, before it is saved. */
export interface SdConfigFacts {
  /** Its row when it is stored already. */
  id?: number;
  port: number;
  /** The address it is known at (its Directors in this import, its row, or where it listens), if any. */
  address?: string;
  directorPasswords: ReadonlyMap<string, string>;
  /** Its Device and Autochanger names. */
  deviceNames: ReadonlySet<string>;
}

/** The placeholders an SD config takes over, and what is said of the others. */
export interface PlaceholderClaim {
  /**
   * Those at its address first (the first one's address is where its Directors reach it), each with
   * the Storages that move and, said with the reason, those that stay.
   */
  take: { p: PlaceholderRow; move: Use[]; stay: string[] }[];
  /** Warnings about placeholders it is, or may be, the daemon of but does not take. */
  notes: string[];
}

type Use = ReturnType<typeof usesOf>[number];

/**
 * The placeholders of this SD config's port whose Storages it is the daemon of: at its address,
 * or serving a Storage that it accepts (the Director's password) and whose device it has. When one
 * Director reaches two of those placeholders at two addresses with the password this config gives
 * it, they are two daemons that share a password, or one under two names: neither is taken, said.
 */
export async function claimPlaceholders(tx: Tx, sd: SdConfigFacts, importing: ReadonlySet<string>): Promise<PlaceholderClaim> {
  const claim: PlaceholderClaim = { take: [], notes: [] };
  const accepted = (u: Use) => sd.directorPasswords.get(u.row.director.name) === u.password;
  const fits = (u: Use) => accepted(u) && u.device !== undefined && sd.deviceNames.has(u.device);
  const atAddress: { p: PlaceholderRow; uses: Use[] }[] = [];
  const byPassword: { p: PlaceholderRow; uses: Use[] }[] = [];
  for (const p of await placeholdersAt(tx, sd.port, sd.id)) {
    const uses = usesOf(p, importing);
    if (uses.length === 0) continue;
    if (sd.address !== undefined && p.address === sd.address) atAddress.push({ p, uses });
    else if (uses.some(fits)) byPassword.push({ p, uses });
  }
  // One Director at two addresses among the placeholders found by password alone.
  const addressesOf = new Map<string, Set<string>>();
  for (const { p, uses } of byPassword) for (const u of uses.filter(fits)) addressesOf.set(u.row.director.name, (addressesOf.get(u.row.director.name) ?? new Set()).add(p.address));
  const split = [...addressesOf].filter(([, a]) => a.size > 1);
  const ambiguous = new Set(split.flatMap(([, a]) => [...a]));
  for (const [director, addresses] of split)
    claim.notes.push(`Director "${director}" reaches Storage Daemons at ${[...addresses].sort().join(" and ")} with the password this config gives it: this config may be the daemon of either, so neither placeholder is taken: give it the SDAddress its Directors use, or set its address on the Storage Daemons page and import it again`);
  for (const c of [...atAddress, ...byPassword.filter(({ p }) => !ambiguous.has(p.address))]) {
    // An SD without a config of its own that an import did not make (made in the dashboard, or by
    // an import before placeholders were marked) is not taken over: said, with what moves them.
    if (!c.p.placeholder) {
      const directors = [...new Set(c.uses.map((u) => u.row.director.name))];
      claim.notes.push(`this config is the daemon of Storage Daemon "${c.p.name}" (${c.p.address}:${c.p.port}), which still serves ${c.uses.map((u) => `Storage "${u.row.name}" of Director "${u.row.director.name}"`).join(", ")}: import ${directors.length === 1 ? "that Director's" : "those Directors'"} bacula-dir.conf again, with this file or after it, to move them here; then delete "${c.p.name}"`);
      continue;
    }
    const stay: string[] = [];
    for (const u of c.uses.filter((x) => !fits(x))) {
      const why = !accepted(u)
        ? sd.directorPasswords.has(u.row.director.name) ? "this config gives that Director another password" : "this config has no Director resource for that Director"
        : `this config has no Device or Autochanger "${u.device ?? ""}"`;
      stay.push(`Storage "${u.row.name}" of Director "${u.row.director.name}" (${why})`);
    }
    claim.take.push({ p: c.p, move: c.uses.filter(fits), stay });
  }
  return claim;
}

/** Moves the claimed Storages to the SD just saved; says which stay and why, and retires a placeholder left unused. */
export async function movePlaceholderStorages(tools: PlaceholderTools, sd: RealSd, claim: PlaceholderClaim): Promise<void> {
  for (const note of claim.notes) tools.warn(`Storage Daemon "${sd.name}": ${note}`);
  for (const { p, move, stay } of claim.take) {
    for (const u of move)
      await tools.saveStorage(u.row as unknown as Record<string, unknown>, u.row.name, u.row.director.id, {
        storageDaemonId: sd.id,
        deviceId: sd.devices.get(u.device!)?.id ?? null,
        address: u.address !== sd.address ? u.address : null,
        sdPort: u.port !== sd.port ? u.port : null,
      }, u.password !== sd.password ? u.password : undefined);
    if (stay.length > 0)
      tools.warn(`Storage Daemon "${sd.name}" is the daemon of the placeholder Storage Daemon "${p.name}" (${p.address}:${p.port}), which still serves ${stay.join(", ")}: correct this file or that Director, and import again`);
    if (move.length === p.storages.length) await retirePlaceholder(tools, p.id);
  }
}
