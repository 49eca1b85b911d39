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
