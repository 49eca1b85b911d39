/**
 * Test support for promotion tests: a real PostgreSQL pair (test/support/pgPair.ts), a real sshd
 * that logs in as `postgres` (the data directories' owner, so pg_ctl/pg_rewind run as in
 * production), and the model rows (hosts, members with monitoring and admin credentials, a
 * Director and a Catalog on the cluster).
 *
 * Debian's postgres account has a locked password field ("!"), and with `UsePAM no` sshd refuses
 * locked accounts even for keys: ensurePostgresSshLogin() sets it to "*" (no password can match,
 * but the account is not locked), the same as scripts/testenv/sshd.sh does for its own test user.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { PrismaClient } from "@prisma/client";
import pg from "pg";
import { startPgPair, type PgPair } from "../support/pgPair";
import { startSshd, type TestSshd } from "../support/sshd";

export function ensurePostgresSshLogin(): void {
  const line = fs.readFileSync("/etc/shadow", "utf8").split("\n").find((l) => l.startsWith("postgres:"));
  if (!line) throw new Error("no postgres account (install postgresql-15)");
  const pw = line.split(":")[1];
  if (pw.startsWith("!")) execFileSync("usermod", ["-p", "*", "postgres"]);
}

export interface Rig {
  pair: PgPair;
  sshd: TestSshd;
  clusterId: number;
  clusterName: string;
  primaryId: number;
  standbyId: number;
  catalogId: number;
  stop(): Promise<void>;
}

export async function startRig(db: PrismaClient, opts: { maxLagBytes?: number; sshd?: TestSshd } = {}): Promise<Rig> {
  ensurePostgresSshLogin();
  const { encryptSecret } = await import("@/lib/secrets");
  const [pair, sshd] = await Promise.all([startPgPair(), opts.sshd ? Promise.resolve(opts.sshd) : startSshd({ user: "postgres" })]);
  const n = Math.random().toString(36).slice(2, 8);
  const host = await db.host.create({
    data: {
      name: `pg-host-${n}`,
      address: sshd.host,
      sshPort: sshd.port,
      sshUser: sshd.user,
      privateKeyEnc: encryptSecret(sshd.privateKey),
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    },
  });
  const cluster = await db.catalogCluster.create({ data: { name: `catalog-${n}`, maxLagBytes: opts.maxLagBytes ?? 1048576 } });
  const common = {
    clusterId: cluster.id,
    dbName: pair.database,
    monitorUser: pair.monitor.user,
    monitorPasswordEnc: encryptSecret(pair.monitor.password),
    adminUser: pair.superuser.user,
    adminPasswordEnc: encryptSecret(pair.superuser.password),
    pgBinDir: "/usr/lib/postgresql/15/bin",
    hostId: host.id,
  };
  const primary = await db.catalogMember.create({
    data: { ...common, name: "pg-a", role: "primary", address: pair.primary.host, port: pair.primary.port, dataDirectory: pair.primary.dataDir },
  });
  const standby = await db.catalogMember.create({
    data: { ...common, name: "pg-b", role: "standby", address: pair.standby.host, port: pair.standby.port, dataDirectory: pair.standby.dataDir, slotName: pair.slotName },
  });
  const director = await db.director.create({ data: { name: `dir-${n}`, address: "127.0.0.1", passwordEnc: encryptSecret("x"), role: "primary" } });
  const catalog = await db.catalog.create({
    data: { name: "MyCatalog", directorId: director.id, dbName: pair.database, dbAddress: pair.primary.host, dbPort: pair.primary.port, clusterId: cluster.id },
  });
  return {
    pair,
    sshd,
    clusterId: cluster.id,
    clusterName: cluster.name,
    primaryId: primary.id,
    standbyId: standby.id,
    catalogId: catalog.id,
    async stop() {
      await pair.stop().catch(() => undefined);
      if (!opts.sshd) await sshd.stop().catch(() => undefined);
    },
  };
}

export async function waitFinished(db: PrismaClient, id: number, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await db.promotion.findUniqueOrThrow({ where: { id } });
    if (p.status !== "running") return p.status;
    if (Date.now() > deadline) throw new Error(`promotion ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Row count of pgpair_writes on a node (superuser). */
export async function countRows(rig: { pair: PgPair }, node: "primary" | "standby"): Promise<number> {
  const rows = await rig.pair.query<{ n: number }>(node, "SELECT count(*)::int AS n FROM pgpair_writes");
  return Number(rows[0].n);
}

/** pg_is_in_recovery() of each member that answers (a stopped one counts as not writable). */
export async function writableMembers(rig: { pair: PgPair }): Promise<Array<"primary" | "standby">> {
  const out: Array<"primary" | "standby"> = [];
  for (const node of ["primary", "standby"] as const) {
    try {
      const rows = await rig.pair.query<{ rec: boolean }>(node, "SELECT pg_is_in_recovery() AS rec");
      if (rows[0].rec === false) out.push(node);
    } catch {
      /* down: not writable */
    }
  }
  return out;
}

export interface Writer {
  /** Ids whose INSERT ... RETURNING id (autocommit, one row per transaction) was acknowledged. */
  acked: number[];
  /** Where each acknowledged row went. */
  ackedOn: Map<number, string>;
  errors: number;
  /** Last acknowledgement by the first endpoint, first by another one (ms since epoch). */
  lastAckOnFirst: number | null;
  firstAckOnOther: number | null;
  stop(): Promise<void>;
}

/**
 * A client committing one row per transaction as fast as it can, like a Director writing its
 * catalog: on an error it reconnects to where the model's Catalog points now (re-read each try).
 */
export function startWriter(db: PrismaClient, catalogId: number, creds: { user: string; password: string; database: string }): Writer {
  let stopped = false;
  const w: Writer = { acked: [], ackedOn: new Map(), errors: 0, lastAckOnFirst: null, firstAckOnOther: null, stop: async () => undefined };
  let first: string | null = null;
  const loop = (async () => {
    while (!stopped) {
      const cat = await db.catalog.findUniqueOrThrow({ where: { id: catalogId } });
      const where = `${cat.dbAddress}:${cat.dbPort}`;
      first ??= where;
      const c = new pg.Client({ host: cat.dbAddress ?? "localhost", port: cat.dbPort ?? 5432, ...creds, connectionTimeoutMillis: 1000, statement_timeout: 2000 });
      c.on("error", () => undefined);
      try {
        await c.connect();
        while (!stopped) {
          const r = await c.query<{ id: string }>("INSERT INTO pgpair_writes (payload) VALUES ('writer') RETURNING id");
          const id = Number(r.rows[0].id);
          w.acked.push(id);
          w.ackedOn.set(id, where);
          if (where === first) w.lastAckOnFirst = Date.now();
          else w.firstAckOnOther ??= Date.now();
        }
      } catch {
        w.errors++;
        await new Promise((res) => setTimeout(res, 10));
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  })();
  w.stop = async () => {
    stopped = true;
    await loop;
  };
  return w;
}

/**
 * A connection opened beforehand (to a standby) that tries an INSERT every ~2 ms: `done` resolves
 * with the time of the first one that succeeds, i.e. when the node became writable for a client.
 */
export async function probeFirstWrite(config: pg.ClientConfig, deadlineMs = 120_000): Promise<{ done: Promise<number>; stop(): Promise<void> }> {
  const c = new pg.Client(config);
  c.on("error", () => undefined);
  await c.connect();
  let stopped = false;
  const done = (async () => {
    const end = Date.now() + deadlineMs;
    while (!stopped && Date.now() < end) {
      try {
        await c.query("INSERT INTO pgpair_writes (payload) VALUES ('probe')");
        return Date.now();
      } catch {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    throw new Error("the node never became writable");
  })();
  done.catch(() => undefined);
  return {
    done,
    async stop() {
      stopped = true;
      await c.end().catch(() => undefined);
    },
  };
}
