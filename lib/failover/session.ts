/**
 * Connections an operation keeps open from one step to the next (in memory only): the SSH
 * connection to the old primary's host opened by the preflight is the one the fence uses, and the
 * admin connection to the target serves the drain, pg_promote and the verification. Saves a
 * handshake per step (an SSH key exchange costs ~100 ms on loopback, a SCRAM login ~10-20 ms).
 *
 * Nothing here is persisted: after an app restart the resumed steps open their own connections.
 * A connection found closed is opened again; close() closes everything (the runner calls it when
 * the operation stops running in this process).
 */
interface Item {
  value: unknown;
  close: () => Promise<void> | void;
  alive: () => boolean;
}

export class OperationSession {
  private readonly items = new Map<string, Promise<Item>>();
  private closed = false;

  /** The cached value for `key`, or a new one from `open` (cached only when it opened). */
  async get<T>(key: string, open: () => Promise<T>, opts: { close: (v: T) => Promise<void> | void; alive?: (v: T) => boolean }): Promise<T> {
    if (this.closed) throw new Error("operation session already closed");
    const cached = this.items.get(key);
    if (cached) {
      const it = await cached.catch(() => null);
      if (it && it.alive()) return it.value as T;
      this.items.delete(key);
      if (it) await Promise.resolve(it.close()).catch(() => undefined);
    }
    const p = open().then((value): Item => ({ value, close: () => opts.close(value), alive: () => (opts.alive ? opts.alive(value) : true) }));
    this.items.set(key, p);
    try {
      return (await p).value as T;
    } catch (err) {
      if (this.items.get(key) === p) this.items.delete(key);
      throw err;
    }
  }

  /** Forget (and close) one cached connection, e.g. after it misbehaved. */
  async drop(key: string): Promise<void> {
    const p = this.items.get(key);
    this.items.delete(key);
    const it = p ? await p.catch(() => null) : null;
    if (it) await Promise.resolve(it.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.items.values()];
    this.items.clear();
    await Promise.all(all.map(async (p) => {
      const it = await p.catch(() => null);
      if (it) await Promise.resolve(it.close()).catch(() => undefined);
    }));
  }
}

/** A session for one-off use (a GET preflight): call close() when done. */
export function oneShotSession(): OperationSession {
  return new OperationSession();
}
