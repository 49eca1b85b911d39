/**
 * One deploy at a time per host across every instance on the database: the in-process FIFO lock
 * (lock.ts) first, then the host's lease `host:<address>:<port>` (lib/cluster/lease.ts), held and
 * renewed while the host is deployed. Every remote action goes through a transport that checks the
 * lease first (guardTransport), so an instance that lost it (paused longer than the lease, cut off
 * from the database) stops touching the host before another may start: it fails the step with
 * LeaseLost, and the rollback it would run fails the same way (the new holder owns the host now).
 */
import type { PrismaClient } from "@prisma/client";
import { acquireLeaseWait, type HeldLease } from "@/lib/cluster/lease";
import type { HostSpec, OpenTransport, Transport } from "./engine";
import { withHostLock } from "./lock";

export function hostLeaseName(hostKey: string): string {
  return `host:${hostKey}`;
}

export interface ClusterHostLocks {
  lock: <T>(hostKey: string, fn: () => Promise<T>) => Promise<T>;
  open: OpenTransport;
}

/** A lock for the deploy engine and the matching guarded transport opener. */
export function clusterHostLocks(db: Pick<PrismaClient, "$queryRawUnsafe" | "$executeRawUnsafe">, open: OpenTransport, o: { onWait?: (hostKey: string, holder: string | null) => void } = {}): ClusterHostLocks {
  const held = new Map<string, HeldLease>();
  return {
    lock: (hostKey, fn) =>
      withHostLock(hostKey, async () => {
        const lease = await acquireLeaseWait(db, hostLeaseName(hostKey), { onWait: (holder) => o.onWait?.(hostKey, holder) });
        held.set(hostKey, lease);
        try {
          return await fn();
        } finally {
          held.delete(hostKey);
          await lease.release();
        }
      }),
    open: async (host: HostSpec) => {
      const lease = held.get(host.key);
      lease?.assertHeld();
      return guardTransport(await open(host), () => lease?.assertHeld());
    },
  };
}

/** The transport with `check` run before each of its actions (closing stays allowed). */
export function guardTransport(tr: Transport, check: () => void): Transport {
  return new Proxy(tr, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function" || prop === "close") return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return (...args: unknown[]) => {
        check();
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
