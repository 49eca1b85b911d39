/**
 * A host's identity is its address: a pinned key vouches for whatever answers there. Another Host
 * record for an address that already has a pinned key, or pinning another key for it, would let a
 * Director's secrets go to whatever answers with that other key: only an admin may do either.
 */
import type { Tx } from "@/lib/db/client";
import { prisma } from "@/lib/db/client";

/** Addresses compare without case, brackets or a trailing dot (`[::1]`, `Host.Example.` ...). */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/** Other Host records at the same address that have a pinned key. */
export async function pinnedHostsAt(address: string, exceptId: number | null, db: Tx | typeof prisma = prisma): Promise<{ id: number; name: string; hostKeyFingerprint: string }[]> {
  const want = normalizeAddress(address);
  const pinned = await db.host.findMany({ where: { hostKeyFingerprint: { not: null } }, select: { id: true, name: true, address: true, hostKeyFingerprint: true } });
  return pinned
    .filter((h) => h.id !== exceptId && normalizeAddress(h.address) === want)
    .map((h) => ({ id: h.id, name: h.name, hostKeyFingerprint: h.hostKeyFingerprint! }));
}
