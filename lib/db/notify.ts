/**
 * Notifications between the instances on one PostgreSQL database (LISTEN/NOTIFY). On SQLite (one
 * instance) there is nobody to tell: notify() does nothing and no listener exists.
 *
 * One listening connection per process (its own pg.Client, not the pool's), reconnecting with a
 * backoff of 0.5 s up to 10 s. `epoch` counts its connections and losses: whoever keeps state that
 * a notification would invalidate (the session cache) trusts it only while the listener is
 * connected and has been since the state was made (same epoch), since notifications sent while it
 * was away are lost.
 */
import pg from "pg";
import { currentDialect } from "./dialect";
import { parsePgTarget, writableHostClient } from "./pg-hosts";
import { param } from "./sql";

type Handler = (payload: string) => void;

interface Listener {
  connected: boolean;
  epoch: number;
  handlers: Map<string, Set<Handler>>;
  client: pg.Client | null;
  started: boolean;
  stopped: boolean;
}

const KEY = Symbol.for("bacula-ha.dbListener");
const g = globalThis as unknown as Record<symbol, Listener | undefined>;
const state: Listener = (g[KEY] ??= { connected: false, epoch: 0, handlers: new Map(), client: null, started: false, stopped: false });

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether notifications reach this process now (always false on SQLite). */
export function listening(): { connected: boolean; epoch: number } {
  return { connected: state.connected, epoch: state.epoch };
}

/** Sends a notification to every instance (this one too), within `db`'s transaction when it is one: delivered at its commit. */
export async function notify(db: { $executeRawUnsafe: (q: string, ...v: unknown[]) => Promise<unknown> }, channel: string, payload: string): Promise<void> {
  if (currentDialect() !== "postgresql") return;
  if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
  // executeRaw: pg_notify returns void, a type the driver adapter cannot read back.
  await db.$executeRawUnsafe(`SELECT pg_notify(${param(1)}, ${param(2)})`, channel, payload);
}

/** Calls `fn` with each notification on `channel` (PostgreSQL; a no-op on SQLite). Returns the unsubscribe. */
export function onNotification(channel: string, fn: Handler): () => void {
  if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
  if (currentDialect() !== "postgresql") return () => undefined;
  let set = state.handlers.get(channel);
  if (!set) {
    set = new Set();
    state.handlers.set(channel, set);
    if (state.client && state.connected) void state.client.query(`LISTEN ${channel}`).catch(() => undefined);
  }
  set.add(fn);
  start();
  return () => set.delete(fn);
}

function start(): void {
  if (state.started) return;
  state.started = true;
  let backoff = 500;
  const connect = async () => {
    if (state.stopped) return;
    const url = process.env.DATABASE_URL;
    if (!url) return;
    // The same server as the pool's: the writable one of several hosts (lib/db/pg-hosts.ts).
    const target = parsePgTarget(url);
    const ClientClass = target.readWrite ? writableHostClient(target) : pg.Client;
    const client = new ClientClass({ connectionString: target.readWrite ? target.urlOf(target.hosts[0]) : url, application_name: "bacula-ha-dashboard listener", keepAlive: true });
    const lost = () => {
      if (state.client !== client) return;
      state.client = null;
      state.connected = false;
      state.epoch++;
      client.end().catch(() => undefined);
      setTimeout(() => void connect(), backoff).unref?.();
      backoff = Math.min(10_000, backoff * 2);
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (n) => {
      for (const fn of state.handlers.get(n.channel) ?? []) {
        try {
          fn(n.payload ?? "");
        } catch (err) {
          console.error(`notification ${n.channel}:`, err);
        }
      }
    });
    state.client = client;
    try {
      await client.connect();
      // The listener alone must not keep a process alive (a CLI, a test).
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      for (const ch of state.handlers.keys()) await client.query(`LISTEN ${ch}`);
      backoff = 500;
      state.epoch++;
      state.connected = true;
    } catch {
      lost();
    }
  };
  void connect();
}

/** Tests: close the listening connection. */
export async function stopListening(): Promise<void> {
  state.stopped = true;
  const c = state.client;
  state.client = null;
  state.connected = false;
  state.epoch++;
  await c?.end().catch(() => undefined);
}
