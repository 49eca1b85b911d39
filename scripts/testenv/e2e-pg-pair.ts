/**
 * For the browser tests (called by scripts/e2e-server.sh): builds a real PostgreSQL primary +
 * standby pair in DIR with scripts/testenv/pg-pair.sh on two free loopback ports, adds it to the
 * app database as catalog cluster "catalog-e2e" (monitoring password encrypted with the app key),
 * and writes the facts the spec needs (ports, superuser password) to FACTS_JSON.
 * The pair keeps running after this exits; e2e-server.sh stops it (pg-pair.sh stop DIR).
 *
 *   tsx scripts/testenv/e2e-pg-pair.ts DIR FACTS_JSON
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { prisma } from "../../lib/db/client";
import { encryptSecret } from "../../lib/secrets";
import { freePort, PG_PAIR_SCRIPT } from "../../test/support/pgPair";

const [dir, factsFile] = process.argv.slice(2);
if (!dir || !factsFile) throw new Error("usage: e2e-pg-pair.ts DIR FACTS_JSON");
const primaryPort = await freePort();
let standbyPort = await freePort();
while (standbyPort === primaryPort) standbyPort = await freePort();
const stdout = execFileSync("bash", [PG_PAIR_SCRIPT, "start", dir, String(primaryPort), String(standbyPort)], { encoding: "utf8", timeout: 120_000 });
const facts: Record<string, string> = {};
for (const tok of (stdout.trim().split("\n").at(-1) ?? "").split(/\s+/)) {
  const eq = tok.indexOf("=");
  if (eq > 0) facts[tok.slice(0, eq)] = tok.slice(eq + 1);
}
if (!facts.PRIMARY_PORT || !facts.MONITOR_PASSWORD || !facts.SUPERUSER_PASSWORD) throw new Error(`pg-pair.sh printed no facts: ${stdout}`);

const host = facts.PRIMARY_HOST ?? "127.0.0.1";
const slot = facts.SLOT ?? "standby1_slot";
const cluster = await prisma.catalogCluster.create({ data: { name: "catalog-e2e" } });
const member = (name: string, role: string, port: number, slotName: string | null) =>
  prisma.catalogMember.create({
    data: {
      name,
      clusterId: cluster.id,
      role,
      address: host,
      port,
      dbName: facts.DATABASE ?? "bacula",
      monitorUser: facts.MONITOR_USER ?? "bacula_monitor",
      monitorPasswordEnc: encryptSecret(facts.MONITOR_PASSWORD),
      slotName,
    },
  });
await member("pg-e2e-primary", "primary", Number(facts.PRIMARY_PORT), null);
await member("pg-e2e-standby", "standby", Number(facts.STANDBY_PORT), slot);
fs.writeFileSync(
  factsFile,
  JSON.stringify({
    clusterId: cluster.id,
    host,
    primaryPort: Number(facts.PRIMARY_PORT),
    standbyPort: Number(facts.STANDBY_PORT),
    database: facts.DATABASE ?? "bacula",
    superuser: facts.SUPERUSER ?? "postgres",
    superuserPassword: facts.SUPERUSER_PASSWORD,
    slot,
  }),
  { mode: 0o600 },
);
await prisma.$disconnect();
console.log(`catalog-e2e: PostgreSQL pair on ${host}:${facts.PRIMARY_PORT} (primary) and :${facts.STANDBY_PORT} (standby)`);
