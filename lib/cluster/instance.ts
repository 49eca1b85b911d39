/**
 * Who this process is among the app's instances on one database. The id names the holder of
 * leases and operations: `<host>:<pid>:<nonce>`, where host is the hostname and the kernel's
 * pid namespace (two containers may share a hostname, never a pid namespace), so that "the
 * process that held it is gone" can be decided at once on the same machine (pid no longer
 * alive) and only by lease expiry elsewhere.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";

function machineKey(): string {
  let ns = "";
  try {
    ns = fs.readlinkSync("/proc/self/ns/pid").replace(/^pid:\[(\d+)\]$/, "$1");
  } catch {
    /* no /proc: the hostname alone */
  }
  return `${os.hostname().replace(/:/g, "_")}${ns ? `/${ns}` : ""}`;
}

const KEY = Symbol.for("bacula-ha.instanceId");
const g = globalThis as unknown as Record<symbol, string | undefined>;
/** This process's id (one per process: a module loaded twice by Next keeps it). */
export const INSTANCE_ID: string = (g[KEY] ??= `${machineKey()}:${process.pid}:${randomBytes(4).toString("hex")}`);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true;
  }
}

/**
 * Whether the process an instance id names is known to be gone: on this machine (same hostname
 * and pid namespace) its pid no longer runs, or it is an earlier life of this very pid. Elsewhere
 * nothing is known (false): only its leases' expiry tells.
 */
export function ownerGone(owner: string | null | undefined): boolean {
  if (!owner) return true;
  if (owner === INSTANCE_ID) return false;
  // INSTANCE_SAME_HOST_CHECK=0: as if every instance ran on another machine (only leases tell; the fault tests measure that bound).
  if (process.env.INSTANCE_SAME_HOST_CHECK === "0") return false;
  const [host, pidText] = owner.split(":");
  const pid = Number(pidText);
  if (host !== INSTANCE_ID.split(":")[0] || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  return !pidAlive(pid);
}

/** How long a lease lasts without renewal (INSTANCE_LEASE_MS, default 15 s; 1-300 s). */
export function leaseMs(): number {
  const n = Number(process.env.INSTANCE_LEASE_MS ?? 15_000);
  return Number.isInteger(n) && n >= 1000 && n <= 300_000 ? n : 15_000;
}
