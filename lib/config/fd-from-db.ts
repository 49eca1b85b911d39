/**
 * bacula-fd.conf and bconsole.conf from the dashboard's database.
 *
 * A Client row is the Director's side of a File Daemon; its File Daemon side (host, directories,
 * listen address, generic items) lives on the same row (fd* columns) and in ConfigResource rows
 * with its clientId. The File Daemon's Director resources are derived, like a Storage Daemon's
 * (lib/config/from-db.ts): the Director that owns the Client and every standby of that Director
 * (after a Director switchover the standby, with its own name, runs the same Jobs on the same
 * Client, and the old primary becomes its standby), each with the Client's password, which is what
 * the Director-side Client resource carries. `fdDirectorExtra` items (TLS towards the Directors,
 * Monitor…) go into each of them; a stored Director resource named like a derived one adds its
 * directives to it, other stored Directors (a tray monitor) are rendered as they are.
 */
import type { PrismaClient } from "@prisma/client";
import { consoleTlsFrom, type ConsoleConfig, type FileDaemonConfig } from "@/lib/bacula/fd-console";
import type { Item, MessagesResource, ResourceNode } from "@/lib/bacula/model";
import { findDirective, findResource } from "@/lib/bacula/tables";
import { kindOfNode, nodeToTyped, resourceDefOf, type ResourceKind } from "@/lib/bacula/typed";
import type { Tx } from "@/lib/db/client";
import { decryptSecret } from "@/lib/secrets";
import { openItems } from "./items";

type Db = PrismaClient | Tx;

const itemsOf = (kind: ResourceKind, json: unknown): Item[] | undefined => {
  const items = openItems(json, resourceDefOf(kind));
  return items.length > 0 ? items : undefined;
};

function storedResources(rows: { type: string; items: unknown; position: number; id: number }[], daemon: "fd"): ResourceNode[] {
  return [...rows]
    .sort((a, b) => a.position - b.position || a.id - b.id)
    .map((r) => ({ type: findResource(daemon, r.type)?.name ?? r.type, items: openItems(r.items, findResource(daemon, r.type)) }));
}

/** The Directors a Client's File Daemon must accept: its Director's pair (primary first, then standbys by name). */
export async function fdDirectorNames(db: Db, clientId: number): Promise<string[]> {
  const c = await db.client.findUniqueOrThrow({
    where: { id: clientId },
    include: { director: { include: { standbys: { select: { name: true, role: true } }, primary: { include: { standbys: { select: { name: true, role: true } } } } } } },
  });
  // A Client owned by a standby row (a model mid-edit) still belongs to that standby's pair.
  const owner = c.director.role === "standby" && c.director.primary ? c.director.primary : c.director;
  const standbys = owner.standbys.map((s) => s.name).sort();
  return [owner.name, ...standbys.filter((n) => n !== owner.name)];
}

/**
 * One File Daemon may serve several Directors that are not one pair: each defines a Client of the
 * File Daemon's name, with its own password. The File Daemon's config then accepts every one of
 * those Directors' pairs, each with the password of its Director's Client; the Client's own row
 * comes first. Names are unique (the first Client that brings one gives its password).
 */
export async function fdDirectors(db: Db, clientId: number): Promise<{ name: string; password: string }[]> {
  const c = await db.client.findUniqueOrThrow({ where: { id: clientId }, select: { id: true, name: true } });
  const rows = await db.client.findMany({ where: { name: c.name }, select: { id: true, passwordEnc: true }, orderBy: { id: "asc" } });
  const ordered = [...rows.filter((r) => r.id === c.id), ...rows.filter((r) => r.id !== c.id)];
  const out: { name: string; password: string }[] = [];
  for (const r of ordered) {
    const password = decryptSecret(r.passwordEnc);
    for (const name of await fdDirectorNames(db, r.id)) if (!out.some((d) => d.name === name)) out.push({ name, password });
  }
  return out;
}

/**
 * The Client that holds a File Daemon's own side (FileDaemon directives, stored resources), among
 * the Clients of its name: the one an import put the File Daemon's file on, else the first made.
 * Every Client of that name renders the holder's bacula-fd.conf (it is one File Daemon).
 * `holds`: the holder has a File Daemon side already (false: none of them has, the first made).
 */
export async function fdHolder(db: Db, clientId: number): Promise<{ id: number; holds: boolean }> {
  const c = await db.client.findUniqueOrThrow({ where: { id: clientId }, select: { name: true } });
  const rows = await db.client.findMany({
    where: { name: c.name },
    select: { id: true, fdExtra: true, fdDirectorExtra: true, fdAddress: true, _count: { select: { resources: true } } },
    orderBy: { id: "asc" },
  });
  const holding = rows.find((r) => r._count.resources > 0 || r.fdExtra !== null || r.fdDirectorExtra !== null || r.fdAddress !== null);
  return holding ? { id: holding.id, holds: true } : { id: rows[0].id, holds: false };
}

/** The model of one Client's bacula-fd.conf (the holder's, when several Directors define the Client: fdHolder). */
export async function loadFileDaemonConfig(db: Db, clientId: number): Promise<FileDaemonConfig> {
  const { id: holderId } = await fdHolder(db, clientId);
  const c = await db.client.findUniqueOrThrow({ where: { id: holderId }, include: { resources: true } });
  const accepted = await fdDirectors(db, holderId);
  const names = accepted.map((d) => d.name);
  const stored = storedResources(c.resources, "fd");
  const typedStored = (kind: ResourceKind) => stored.filter((n) => kindOfNode("fd", n) === kind).map((n) => nodeToTyped(kind, n));
  const storedDirectors = typedStored("FdDirector") as unknown as FileDaemonConfig["directors"];
  const common = itemsOf("FdDirector", c.fdDirectorExtra) ?? [];
  const directors: FileDaemonConfig["directors"] = accepted.map(({ name, password }) => {
    const overlay = storedDirectors.find((d) => d.name === name);
    const extra = [...common, ...(overlay?.extra ?? [])];
    // An overlay (an imported file's Director of this name) keeps every directive it has but the password.
    return { ...overlay, name, password, extra: extra.length ? extra : undefined };
  });
  for (const d of storedDirectors) if (!names.includes(d.name)) directors.push(d);
  const storedMessages = typedStored("FdMessages") as unknown as MessagesResource[];
  // Job messages go back over the connection of the Director that runs the job; the destination
  // names the pair's primary (sorted position stays the same after a switch: no redeploy needed).
  const messages: MessagesResource[] = storedMessages.length > 0
    ? storedMessages
    : [{ name: "Standard", destinations: [{ kind: "director", where: [...names].sort()[0], types: ["all", "!skipped", "!restored"] }] }];
  const fdExtra = itemsOf("FdFileDaemon", c.fdExtra);
  // The FileDaemon names its Messages when the dashboard made them (none stored) or an item says so;
  // an imported file's FileDaemon without a Messages directive stays without.
  const explicitMessages = storedMessages.length > 0 || (fdExtra ?? []).some((i) => i.name === "Messages");
  return {
    version: c.fdVersion,
    fileDaemon: {
      name: c.name,
      address: c.fdAddress ?? undefined,
      // A listen block gives its own ports (Bacula refuses FDport beside it).
      port: (fdExtra ?? []).some((i) => findDirective(resourceDefOf("FdFileDaemon"), i.name)?.name === "FdAddresses") ? undefined : c.port,
      workingDirectory: c.fdWorkingDirectory,
      pidDirectory: c.fdPidDirectory,
      messages: explicitMessages ? undefined : messages[0]?.name,
      extra: fdExtra,
    },
    directors,
    messages,
    others: stored.filter((n) => kindOfNode("fd", n) === undefined),
  };
}

/**
 * The dashboard's own bconsole.conf for a Director: the Director as itself (its name, port,
 * password, address), deployed beside its bacula-dir.conf and used to reload and verify it. A
 * standby gets its own identity too: that is what it runs as once it has taken over.
 */
export async function loadConsoleConfig(db: Db, directorId: number): Promise<ConsoleConfig> {
  const d = await db.director.findUniqueOrThrow({ where: { id: directorId } });
  const tls = consoleTlsFrom(openItems(d.extra, resourceDefOf("Director")));
  return { directors: [{ name: d.name, address: d.address, port: d.port, password: decryptSecret(d.passwordEnc), ...(tls.length > 0 ? { extra: tls } : {}) }] };
}
