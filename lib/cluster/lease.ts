/**
 * Leases: how instances on one database share hosts, deploy runs, operations and the poller.
 *
 * A lease is a row (Lease: name, owner, token, expiresAtMs) held while its expiry, on the
 * database's own clock, is ahead. Taking it is one statement (an upsert that only overwrites an
 * expired lease, or one of a given owner known to be dead), so two instances can never both take
 * it; every new holder increments the token. The holder renews it every third of its duration and
 * counts it as its own only until `sent + duration - margin` on its own monotonic clock, where
 * `sent` is when the last successful renewal was sent: the database set the expiry after that
 * moment, so the holder always stops believing in its lease (at least `margin`) before anyone else
 * can take it, whatever the clocks of the machines say — provided they run at the same rate.
 *
 * Bound: an instance that dies (SIGKILL, power) frees its leases at most one duration after its last
 * renewal (INSTANCE_LEASE_MS, default 15 s); on the same machine a dead process's leases are taken at
 * once (its pid is gone, lib/cluster/instance.ts).
 */
import type { PrismaClient } from "@prisma/client";
import { nowMsExpr, param } from "@/lib/db/sql";
import { INSTANCE_ID, leaseMs, ownerGone } from "./instance";

export type LeaseDb = Pick<PrismaClient, "$queryRawUnsafe" | "$executeRawUnsafe">;

export class LeaseLost extends Error {
  readonly code = "LEASE_LOST";
  constructor(readonly lease: string) {
    super(`this instance no longer holds the lease ${lease} (another instance may have taken over)`);
    this.name = "LeaseLost";
  }
}

export interface LeaseRow {
  owner: string;
  token: number;
  expiresAtMs: number;
  /** The database's clock when read. */
  nowMs: number;
  live: boolean;
}

const N = () => nowMsExpr();

/** Takes the lease when it is free, expired, or held by `stealFrom` (a dead owner); returns its new token or null. */
export async function tryAcquire(db: LeaseDb, name: string, ttlMs: number, o: { owner?: string; stealFrom?: string } = {}): Promise<number | null> {
  const owner = o.owner ?? INSTANCE_ID;
  const rows = await db.$queryRawUnsafe<Array<{ token: number | bigint }>>(
    `INSERT INTO "Lease" ("name", "owner", "token", "expiresAtMs", "acquiredAtMs") VALUES (${param(1)}, ${param(2)}, 1, ${N()} + CAST(${param(3)} AS BIGINT), ${N()})
     ON CONFLICT ("name") DO UPDATE SET "owner" = excluded."owner", "token" = "Lease"."token" + 1, "expiresAtMs" = excluded."expiresAtMs", "acquiredAtMs" = excluded."acquiredAtMs"
     WHERE "Lease"."expiresAtMs" < ${N()} OR "Lease"."owner" = ${param(4)}
     RETURNING "token"`,
    name,
    owner,
    Math.trunc(ttlMs),
    o.stealFrom ?? "(nobody: only an expired lease is taken)",
  );
  return rows.length ? Number(rows[0].token) : null;
}

/** Extends a lease this owner holds with this token; false when it is no longer ours. */
export async function renewLease(db: LeaseDb, name: string, token: number, ttlMs: number, owner = INSTANCE_ID): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE "Lease" SET "expiresAtMs" = ${N()} + CAST(${param(1)} AS BIGINT) WHERE "name" = ${param(2)} AND "owner" = ${param(3)} AND "token" = ${param(4)}`,
    Math.trunc(ttlMs),
    name,
    owner,
    token,
  );
  return n === 1;
}

/** Gives a lease up (expired at once; the row and its token stay, so tokens keep growing). */
export async function releaseLease(db: LeaseDb, name: string, token: number, owner = INSTANCE_ID): Promise<void> {
  await db.$executeRawUnsafe(`UPDATE "Lease" SET "expiresAtMs" = 0 WHERE "name" = ${param(1)} AND "owner" = ${param(2)} AND "token" = ${param(3)}`, name, owner, token);
}

export async function readLease(db: LeaseDb, name: string): Promise<LeaseRow | null> {
  const rows = await db.$queryRawUnsafe<Array<{ owner: string; token: number | bigint; expiresAtMs: number | bigint; nowMs: number | bigint }>>(
    `SELECT "owner", "token", "expiresAtMs", ${N()} AS "nowMs" FROM "Lease" WHERE "name" = ${param(1)}`,
    name,
  );
  if (!rows.length) return null;
  const r = rows[0];
  const expiresAtMs = Number(r.expiresAtMs);
  const nowMs = Number(r.nowMs);
  return { owner: r.owner, token: Number(r.token), expiresAtMs, nowMs, live: expiresAtMs >= nowMs };
}

/** Whether nobody holds the lease any more: none, expired, or its holder is a process known to be gone. */
export async function leaseFree(db: LeaseDb, name: string): Promise<{ free: boolean; row: LeaseRow | null }> {
  const row = await readLease(db, name);
  return { free: !row || !row.live || ownerGone(row.owner), row };
}

/** Takes a lease that is free or whose holder is gone (the dead holder's lease is taken over by owner, not by time). */
export async function takeOver(db: LeaseDb, name: string, ttlMs: number): Promise<number | null> {
  const { free, row } = await leaseFree(db, name);
  if (!free) return null;
  return tryAcquire(db, name, ttlMs, row && row.live ? { stealFrom: row.owner } : {});
}

/**
 * A lease this process holds, renewed in the background until released or lost. `held` turns
 * false (and `signal` aborts) as soon as a renewal finds it taken, or the last renewal is older
 * than the duration less the margin (the database may be unreachable: the holder stops before the
 * lease can expire for the others).
 */
export class HeldLease {
  readonly #db: LeaseDb;
  readonly name: string;
  readonly token: number;
  readonly ttlMs: number;
  readonly #margin: number;
  #validUntil: number;
  #timer: NodeJS.Timeout | null = null;
  #released = false;
  readonly #abort = new AbortController();
  #renewing: Promise<void> | null = null;

  constructor(db: LeaseDb, name: string, token: number, ttlMs: number, sentAt: number) {
    this.#db = db;
    this.name = name;
    this.token = token;
    this.ttlMs = ttlMs;
    this.#margin = Math.min(1000, Math.floor(ttlMs / 10));
    this.#validUntil = sentAt + ttlMs - this.#margin;
    this.#timer = setInterval(() => this.#tick(), Math.max(200, Math.floor(ttlMs / 3)));
    this.#timer.unref?.();
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get held(): boolean {
    if (this.#released || this.#abort.signal.aborted) return false;
    if (performance.now() >= this.#validUntil) {
      this.#lose();
      return false;
    }
    return true;
  }

  /** Throws LeaseLost unless the lease is still this process's. Call before every action it guards. */
  assertHeld(): void {
    if (!this.held) throw new LeaseLost(this.name);
  }

  /** Renews now (e.g. before a long action); false when lost. */
  async renew(): Promise<boolean> {
    if (!this.held) return false;
    const sent = performance.now();
    try {
      if (await renewLease(this.#db, this.name, this.token, this.ttlMs)) {
        this.#validUntil = Math.max(this.#validUntil, sent + this.ttlMs - this.#margin);
        return this.held;
      }
      this.#lose();
      return false;
    } catch {
      // The database did not answer: the lease is ours until #validUntil, no longer.
      return this.held;
    }
  }

  #tick(): void {
    if (!this.held) return;
    if (this.#renewing) return;
    this.#renewing = this.renew().then(
      () => undefined,
      () => undefined,
    );
    void this.#renewing.finally(() => (this.#renewing = null));
  }

  #lose(): void {
    this.#stop();
    if (!this.#abort.signal.aborted) this.#abort.abort(new LeaseLost(this.name));
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Gives the lease up (best effort: an unreachable database lets it expire). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#stop();
    await this.#renewing?.catch(() => undefined);
    await releaseLease(this.#db, this.name, this.token).catch(() => undefined);
  }
}

/** Takes a lease now or returns null. */
export async function acquireLease(db: LeaseDb, name: string, o: { ttlMs?: number; takeOverDead?: boolean } = {}): Promise<HeldLease | null> {
  const ttl = o.ttlMs ?? leaseMs();
  const sent = performance.now();
  const token = o.takeOverDead === false ? await tryAcquire(db, name, ttl) : await takeOver(db, name, ttl);
  return token === null ? null : new HeldLease(db, name, token, ttl, sent);
}

/** Waits (polling) until the lease can be taken; aborts with the signal. */
export async function acquireLeaseWait(db: LeaseDb, name: string, o: { ttlMs?: number; pollMs?: number; signal?: AbortSignal; onWait?: (holder: string | null) => void } = {}): Promise<HeldLease> {
  const poll = o.pollMs ?? 250;
  let told = false;
  for (;;) {
    o.signal?.throwIfAborted();
    const held = await acquireLease(db, name, { ttlMs: o.ttlMs });
    if (held) return held;
    if (!told) {
      told = true;
      o.onWait?.((await readLease(db, name))?.owner ?? null);
    }
    await new Promise((r) => setTimeout(r, poll));
  }
}

/** A lease written in a transaction that also writes what it guards (a new run or operation). */
export async function insertLease(db: LeaseDb, name: string, ttlMs = leaseMs()): Promise<HeldLease> {
  const sent = performance.now();
  const token = await tryAcquire(db, name, ttlMs);
  if (token === null) throw new LeaseLost(name);
  return new HeldLease(db, name, token, ttlMs, sent);
}
