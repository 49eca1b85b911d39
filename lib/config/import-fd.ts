/**
 * Import of a bacula-fd.conf onto the Client it serves (lib/config/import-to-db.ts runs it after the
 * Directors, so that a Client defined by a Director config of the same import is there).
 *
 * The dashboard keeps a File Daemon's side on its Client row (lib/config/fd-from-db.ts): FDport is
 * the Client's FDPort (one port for both sides), FDAddress, WorkingDirectory and PidDirectory are
 * columns, every other directive of the FileDaemon resource goes to the row's items in order. The
 * Director resources are derived from the Client's Director and its standbys, each with the
 * Client's password. The other directives of the file's Director resource of that pair (TLS,
 * bandwidth…) become what every Director of the pair gets, so that a standby that takes over
 * connects the way the primary did; when the file has several of the pair, each keeps its own as
 * an overlay. Any other Director (a tray monitor) is stored whole (password encrypted), and so are
 * Messages, Console, Schedule and Statistics resources.
 *
 * Several Directors that are not one pair may each define a Client of the File Daemon's name: it
 * is one File Daemon, accepting each of them with its own Client's password; its side is kept on
 * one of those Clients (fd-from-db.ts fdHolder) and every one of them renders the same file.
 *
 * What the model cannot hold is an error naming the file and line, and nothing of the file is
 * written: no Client of that name, an FDport other than the Client's FDPort, a Director resource
 * of a Director that has a Client of this name with another password than that Client's.
 */
import { resourceName, type ConfigTree, type Item, type ResourceNode } from "@/lib/bacula/tree";
import { findDirective, findResource } from "@/lib/bacula/tables";
import { decryptSecret } from "@/lib/secrets";
import type { Tx } from "@/lib/db/client";
import { listenAddress, resourceDefOf, tablePort } from "@/lib/bacula/typed";
import { listenPort } from "@/lib/bacula/tables/common";
import { fdDirectorNames, fdDirectors, fdHolder } from "./fd-from-db";

/** What the importer hands over (its record writing, shared with the Director and SD imports). */
export interface FdImportTools {
  tx: Tx;
  /** Adds an issue at a resource or directive of the file (or at line 0). */
  issue(severity: "error" | "warning", at: { pos?: { file: string; line: number } } | undefined, message: string): void;
  /** Creates or updates the Client's FD columns and items when they differ; records the change. */
  saveClient(existing: Record<string, unknown>, name: string, cols: Record<string, unknown>, items: { fdExtra: Item[]; fdDirectorExtra: Item[] }): Promise<void>;
  /**
   * Stored resources of the Client's bacula-fd.conf (by type and name: created, updated or kept);
   * any other stored one goes, unless the file has it but it was left out for an error (`leftOut`).
   */
  saveResources(clientId: number, nodes: ResourceNode[], leftOut: readonly ResourceNode[]): Promise<void>;
}

const FILE_DAEMON = findResource("fd", "FileDaemon");

type ClientRow = { id: number; passwordEnc: string };

/**
 * The Client a File Daemon's file goes onto when several Directors define a Client of its name (one
 * File Daemon serving them all: every Client of that name renders the same bacula-fd.conf, which
 * accepts each of those Directors with its own Client's password): the one that already holds the
 * File Daemon's side (fdHolder), else the first whose Director the file accepts with that Client's
 * password, else the first made.
 */
async function clientOfFile<C extends ClientRow>(tools: FdImportTools, clients: readonly C[], nodes: readonly ResourceNode[]): Promise<C> {
  const { id: holderId, holds } = await fdHolder(tools.tx, clients[0].id);
  const holder = clients.find((c) => c.id === holderId)!;
  if (holds) return holder;
  const accepted = new Map<string, unknown>();
  for (const n of nodes) if (findResource("fd", n.type)?.name === "Director") accepted.set(resourceName(n), directive(n, "Password")?.value);
  for (const c of clients) {
    const pw = decryptSecret(c.passwordEnc);
    if ((await fdDirectorNames(tools.tx, c.id)).some((d) => accepted.get(d) === pw)) return c;
  }
  return holder;
}

/** A directive's name as the FD's table spells it (the file may use an alias or other spacing). */
function canonical(resource: string, name: string): string {
  const def = findResource("fd", resource);
  return (def && findDirective(def, name)?.name) ?? name;
}

function directive(n: ResourceNode, name: string): Extract<Item, { kind: "directive" }> | undefined {
  const it = n.items.find((i) => i.kind === "directive" && canonical(n.type, i.name) === name);
  return it && it.kind === "directive" ? it : undefined;
}

/** The File Daemon's name in a parsed bacula-fd.conf ("" when it has no FileDaemon resource). */
export function fileDaemonName(tree: ConfigTree): string {
  const fd = tree.resources.find((n) => findResource("fd", n.type) === FILE_DAEMON);
  return fd ? resourceName(fd) : "";
}

/**
 * Maps one parsed bacula-fd.conf onto its Client. Returns the Client's id, or undefined when the
 * file cannot be held (the errors say why; nothing was written for it).
 */
export async function importFileDaemon(tools: FdImportTools, tree: ConfigTree, excluded: ReadonlySet<ResourceNode>): Promise<number | undefined> {
  const nodes = tree.resources.filter((n) => !excluded.has(n));
  const fd = nodes.find((n) => findResource("fd", n.type) === FILE_DAEMON);
  if (!fd) {
    tools.issue("error", undefined, "no FileDaemon resource: this bacula-fd.conf names no File Daemon");
    return undefined;
  }
  const name = resourceName(fd);
  const clients = await tools.tx.client.findMany({ where: { name }, orderBy: { id: "asc" } });
  if (clients.length === 0) {
    tools.issue("error", fd, `no Client named "${name}": a File Daemon's configuration is kept on the Client of its Director; import the Director's configuration that defines Client "${name}" first (or with this file)`);
    return undefined;
  }
  const client = clients.length === 1 ? clients[0] : await clientOfFile(tools, clients, nodes);
  let ok = true;

  // FileDaemon: the columns, the rest in order.
  const cols: Record<string, unknown> = {};
  const extra: Item[] = [];
  for (const it of fd.items) {
    const key = it.kind === "directive" ? canonical(fd.type, it.name) : it.name;
    if (it.kind === "directive" && (key === "Name" || key === "FdPort")) continue;
    if (it.kind === "directive" && key === "FdAddress" && typeof it.value === "string") cols.fdAddress = it.value;
    else if (it.kind === "directive" && key === "WorkingDirectory" && typeof it.value === "string") cols.fdWorkingDirectory = it.value;
    else if (it.kind === "directive" && key === "PidDirectory" && typeof it.value === "string") cols.fdPidDirectory = it.value;
    else extra.push(it);
  }
  // The port the File Daemon listens on (FDport, or each entry of an FDAddresses block; Bacula's
  // default when none is given) must be the one its Director dials: the model keeps one for both sides.
  const listenDefault = tablePort("FdFileDaemon", "FdPort");
  const block = fd.items.find((i) => canonical(fd.type, i.name) === "FdAddresses");
  const ports = block && block.kind === "directive" && Array.isArray(block.value)
    ? (block.value as { port?: string }[]).map((e) => (e.port === undefined ? listenDefault : (listenPort(e.port) ?? Number.NaN)))
    : [listenAddress(resourceDefOf("FdFileDaemon"), fd.items).port ?? listenDefault];
  if (!ports.includes(client.port)) {
    const where = block ?? directive(fd, "FdPort") ?? fd;
    // Each side said as it is written: a port left out is Bacula's default, not a line of the file.
    const listens = block || directive(fd, "FdPort")
      ? `the File Daemon listens on port ${[...new Set(ports)].join(", ")}`
      : `the File Daemon has no FDport, so it listens on Bacula's default port ${listenDefault}`;
    const dials = client.portWritten || client.port !== tablePort("Client", "FdPort")
      ? `Client "${name}" has FDPort ${client.port}, the port its Director dials`
      : `Client "${name}" has no FDPort, so its Director dials Bacula's default port ${client.port}`;
    tools.issue("error", where, `${listens}, and ${dials}: the dashboard keeps one port for both sides; make them equal`);
    ok = false;
  }
  cols.fdAddress ??= null;

  // Directors: the derived ones (each Director that has a Client of this name, and its standbys,
  // with that Client's password) keep their other directives as an overlay; any other is stored whole.
  const accepted = await fdDirectors(tools.tx, client.id);
  const derived = accepted.map((d) => d.name);
  const stored: ResourceNode[] = [];
  const pair: { node: ResourceNode; rest: Item[] }[] = [];
  const seenDirectors = new Set<string>();
  for (const n of nodes) {
    if (n === fd) continue;
    if (findResource("fd", n.type)?.name !== "Director") {
      stored.push(n);
      continue;
    }
    const dname = resourceName(n);
    seenDirectors.add(dname);
    if (!derived.includes(dname)) {
      stored.push(n);
      continue;
    }
    const pw = directive(n, "Password");
    if (pw && pw.value !== accepted.find((d) => d.name === dname)!.password) {
      tools.issue("error", pw, `Director "${dname}" has another password than Client "${name}" in that Director's configuration: the File Daemon would refuse the Director; make them equal`);
      ok = false;
      continue;
    }
    pair.push({ node: n, rest: n.items.filter((i) => !(i.kind === "directive" && ["Name", "Password"].includes(canonical(n.type, i.name)))) });
  }
  // One Director of the pair in the file (the usual case): its directives are the pair's. Several:
  // each keeps its own (an overlay stored by name).
  const common = pair.length === 1 ? pair[0].rest : [];
  if (pair.length > 1) for (const { node, rest } of pair) if (rest.length > 0) stored.push({ ...node, items: node.items.filter((i) => !(i.kind === "directive" && canonical(node.type, i.name) === "Password")) });
  for (const d of derived) {
    if (!seenDirectors.has(d)) tools.issue("warning", fd, `the rendered bacula-fd.conf also accepts Director "${d}" (it, or the Director of its pair, has a Client "${name}"), which this file does not`);
  }
  if (!ok) return undefined;
  await tools.saveClient(client as unknown as Record<string, unknown>, name, cols, { fdExtra: extra, fdDirectorExtra: common });
  await tools.saveResources(client.id, stored, tree.resources.filter((n) => excluded.has(n)));
  return client.id;
}
