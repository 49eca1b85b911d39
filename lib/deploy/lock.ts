/**
 * Per-host in-process mutex: two deploys to one host run one after the other (FIFO), deploys to
 * different hosts run in parallel. A failing holder releases the lock like a succeeding one.
 *
 * In-process only: across processes and instances, the deploy service adds the host's lease on
 * the database (cluster-lock.ts). The queue lives on globalThis so that a module loaded twice
 * (Next.js dev reloads, separate route bundles) still shares one lock table.
 */

type Tail = Promise<void>;

const REGISTRY = Symbol.for("bacula-ha.deploy.hostLocks");
const g = globalThis as unknown as { [REGISTRY]?: Map<string, { tail: Tail; waiting: number }> };
const locks: Map<string, { tail: Tail; waiting: number }> = (g[REGISTRY] ??= new Map());

/** A canonical lock key for a host address (case-insensitive host, explicit port). */
export function hostLockKey(host: string, port = 22): string {
  return `${host.trim().toLowerCase()}:${port}`;
}

/**
 * Run `fn` while holding the lock for `hostKey`; waits for earlier holders first.
 * Returns (or throws) what `fn` returns (or throws).
 */
export async function withHostLock<T>(hostKey: string, fn: () => Promise<T> | T): Promise<T> {
  if (!hostKey) throw new TypeError("withHostLock: empty host key");
  let entry = locks.get(hostKey);
  if (!entry) {
    entry = { tail: Promise.resolve(), waiting: 0 };
    locks.set(hostKey, entry);
  }
  const previous = entry.tail;
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  entry.tail = previous.then(() => mine);
  entry.waiting++;
  const e = entry;
  try {
    await previous;
    return await fn();
  } finally {
    release();
    e.waiting--;
    if (e.waiting === 0 && locks.get(hostKey) === e) locks.delete(hostKey);
  }
}

/** True while someone holds or waits for the lock of `hostKey`. */
export function isHostLocked(hostKey: string): boolean {
  return (locks.get(hostKey)?.waiting ?? 0) > 0;
}
