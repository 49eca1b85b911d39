/**
 * Host key pinning: learn the fingerprint a host presents (without authenticating), and pin it
 * after an operator has compared it with the one printed on the host
 * (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`). Every pin is audited.
 */
import { audit } from "@/lib/audit";
import { prisma } from "@/lib/db/client";
import { conflict, forbidden, notFound, badRequest, HttpError } from "@/lib/http/errors";
import { pinnedHostsAt } from "./host-identity";
import type { Role } from "@/lib/auth/roles";
import { fetchHostKey, normalizeFingerprint, type HostKeySeen } from "./ssh";

export type FetchKey = (host: string, port: number, opts: { timeoutMs?: number }) => Promise<HostKeySeen>;

export interface PresentedKey {
  hostId: number;
  hostName: string;
  address: string;
  port: number;
  presented: string | null;
  keyType: string | null;
  pinned: string | null;
  pinnedAt: string | null;
  matches: boolean | null;
  error: string | null;
  errorCode: string | null;
}

/** What is pinned for a host (no connection): for GET, which has no side effects. */
export async function pinnedHostKey(hostId: number): Promise<Pick<PresentedKey, "hostId" | "hostName" | "address" | "port" | "pinned" | "pinnedAt">> {
  const h = await prisma.host.findUnique({ where: { id: hostId } });
  if (!h) throw notFound(`No host with id ${hostId}`);
  return { hostId: h.id, hostName: h.name, address: h.address, port: h.sshPort, pinned: h.hostKeyFingerprint, pinnedAt: h.hostKeyPinnedAt?.toISOString() ?? null };
}

/** The key the host presents now (a handshake, nothing authenticated): POST .../host-key/scan. */
export async function presentedHostKey(hostId: number, fetch: FetchKey = fetchHostKey): Promise<PresentedKey> {
  const h = await prisma.host.findUnique({ where: { id: hostId } });
  if (!h) throw notFound(`No host with id ${hostId}`);
  const base = {
    hostId: h.id,
    hostName: h.name,
    address: h.address,
    port: h.sshPort,
    pinned: h.hostKeyFingerprint,
    pinnedAt: h.hostKeyPinnedAt?.toISOString() ?? null,
  };
  try {
    const seen = await fetch(h.address, h.sshPort, { timeoutMs: 10_000 });
    return { ...base, presented: seen.fingerprint, keyType: seen.keyType, matches: h.hostKeyFingerprint ? h.hostKeyFingerprint === seen.fingerprint : null, error: null, errorCode: null };
  } catch (err) {
    const e = err as { message: string; code?: string };
    return { ...base, presented: null, keyType: null, matches: null, error: e.message, errorCode: e.code ?? null };
  }
}

/**
 * Pin `fingerprint` for the host. The host must present exactly that key right now: the operator
 * confirms what they compared, and a key that changed in between is refused (409).
 */
export async function pinHostKey(
  hostId: number,
  fingerprint: string,
  actor: string,
  ip: string | null,
  fetch: FetchKey = fetchHostKey,
  actorRole: Role = "operator",
): Promise<{ pinned: string; previous: string | null }> {
  const fp = normalizeFingerprint(fingerprint);
  if (!fp) {
    throw badRequest("Not a SHA256 fingerprint", [{ field: "fingerprint", rule: "fingerprint", message: "must look like SHA256:<43 base64 characters>" }]);
  }
  const h = await prisma.host.findUnique({ where: { id: hostId } });
  if (!h) throw notFound(`No host with id ${hostId}`);
  // A key that differs from the pinned one may mean a man in the middle: only an admin replaces it.
  if (h.hostKeyFingerprint && h.hostKeyFingerprint !== fp && actorRole !== "admin") {
    throw forbidden(
      `Host ${h.name} already has a pinned key (${h.hostKeyFingerprint}); replacing it needs an admin, since a changed host key can mean an attack`,
    );
  }
  // Another record of this address already has a pinned key: a different key for it is an admin's call.
  if (actorRole !== "admin") {
    const other = (await pinnedHostsAt(h.address, h.id)).find((x) => x.hostKeyFingerprint !== fp);
    if (other) {
      throw new HttpError(403, `Host ${other.name} has the same address (${h.address}) with another pinned key (${other.hostKeyFingerprint}); pinning a different key for it needs an admin`, [
        { field: "fingerprint", rule: "admin-only", message: `the address ${h.address} already has another pinned key (host ${other.name}): needs an admin` },
      ]);
    }
  }
  let seen: HostKeySeen;
  try {
    seen = await fetch(h.address, h.sshPort, { timeoutMs: 10_000 });
  } catch (err) {
    throw conflict(`Cannot read the host key of ${h.address}:${h.sshPort}: ${(err as Error).message}`);
  }
  if (seen.fingerprint !== fp) {
    throw conflict(
      `The host ${h.address}:${h.sshPort} now presents ${seen.keyType} ${seen.fingerprint}, not the fingerprint you confirmed (${fp}). Nothing was pinned.`,
      [{ field: "fingerprint", rule: "host_key_changed", message: "the host presents another key" }],
      { presented: seen.fingerprint },
    );
  }
  await prisma.$transaction(async (tx) => {
    await tx.host.update({ where: { id: h.id }, data: { hostKeyFingerprint: fp, hostKeyPinnedAt: new Date() } });
    await audit({
      actor,
      action: h.hostKeyFingerprint ? "host_key_repin" : "host_key_pin",
      entityType: "host",
      entityId: h.id,
      entityName: h.name,
      before: { hostKeyFingerprint: h.hostKeyFingerprint },
      after: { hostKeyFingerprint: fp, keyType: seen.keyType, address: `${h.address}:${h.sshPort}` },
      ip,
    }, tx);
  });
  return { pinned: fp, previous: h.hostKeyFingerprint };
}
