/**
 * Reading Bacula's catalog itself (the Job, Pool tables in PostgreSQL), with the Catalog
 * resource's own credentials: what a DR drill and the standby-site readiness know of backups and
 * their copies. Read only. On a hot standby the same queries show what site B would have after a
 * promotion (the replicated catalog), which is why the readiness asks the standby member.
 *
 * Bacula's facts used here (15.0.3, measured): a Copy job writes a new Job row of Type 'C' with the
 * original job's Name and PriorJobId = the original's JobId (the control job is Type 'c' with the
 * Copy job's name); JobStatus 'T' is OK, 'W' OK with warnings.
 */
import type { PrismaClient } from "@prisma/client";
import { decryptSecret } from "@/lib/secrets";
import { withPg, type PgConn, type Query } from "./pg";

export interface CatalogAccess {
  catalog: string;
  conn: PgConn;
  /** Where it reads: the catalog's address (its primary) or a standby member. */
  where: string;
}

/**
 * The connection of the cluster's first Catalog with a stored DB password: at the Catalog's
 * address, or at the member given (a standby, same database and role: it is a replica).
 */
export async function catalogAccess(db: PrismaClient, clusterId: number, at?: { address: string; port: number; name: string } | null): Promise<CatalogAccess | { problem: string }> {
  const cats = await db.catalog.findMany({ where: { clusterId }, orderBy: { name: "asc" } });
  if (cats.length === 0) return { problem: "no Catalog uses this cluster" };
  const c = cats.find((x) => x.dbPasswordEnc);
  if (!c) return { problem: `Catalog ${cats[0].name} has no stored DB password: the dashboard cannot read its job records (set it on the Catalog)` };
  const host = at?.address ?? c.dbAddress ?? "localhost";
  const port = at?.port ?? c.dbPort ?? 5432;
  return {
    catalog: c.name,
    conn: { host, port, user: c.dbUser ?? "bacula", password: decryptSecret(c.dbPasswordEnc!), database: c.dbName },
    where: at ? `${at.name} (${host}:${port})` : `${host}:${port}`,
  };
}

export async function withCatalog<T>(a: CatalogAccess, fn: (q: Query) => Promise<T>): Promise<T> {
  return withPg(a.conn, fn, { connectTimeoutMs: 3000, statementTimeoutMs: 10_000 });
}

export interface NewestCopy {
  job: string;
  copyJobId: number;
  originalJobId: number;
  /** When the copied backup ended: the age of what site B can restore (RPO). */
  originalEnd: string | null;
  copyEnd: string | null;
  files: number;
  pool: string;
}

/** Newest good copy of each job whose copy landed in one of `pools` (site B's). */
export async function newestCopies(q: Query, jobs: readonly string[], pools: readonly string[]): Promise<Map<string, NewestCopy>> {
  const out = new Map<string, NewestCopy>();
  if (jobs.length === 0 || pools.length === 0) return out;
  const rows = await q(
    `SELECT DISTINCT ON (c.name) c.name AS job, c.jobid AS copy, c.priorjobid AS original, o.endtime AS original_end, c.endtime AS copy_end, c.jobfiles AS files, p.name AS pool
       FROM job c JOIN pool p ON p.poolid = c.poolid LEFT JOIN job o ON o.jobid = c.priorjobid
      WHERE c.type = 'C' AND c.jobstatus IN ('T', 'W') AND c.name = ANY($1) AND p.name = ANY($2)
      ORDER BY c.name, o.endtime DESC NULLS LAST, c.jobid DESC`,
    [jobs, pools],
  );
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v ? new Date(String(v)).toISOString() : null);
  for (const r of rows) {
    out.set(String(r.job), {
      job: String(r.job),
      copyJobId: Number(r.copy),
      originalJobId: Number(r.original),
      originalEnd: iso(r.original_end),
      copyEnd: iso(r.copy_end),
      files: Number(r.files),
      pool: String(r.pool),
    });
  }
  return out;
}

export interface JobRecord {
  jobId: number;
  name: string;
  type: string;
  status: string;
  files: number;
  bytes: number;
  pool: string | null;
}

export async function jobRecord(q: Query, jobId: number): Promise<JobRecord | null> {
  const [r] = await q(
    "SELECT j.jobid, j.name, j.type, j.jobstatus, j.jobfiles, j.jobbytes, p.name AS pool FROM job j LEFT JOIN pool p ON p.poolid = j.poolid WHERE j.jobid = $1",
    [jobId],
  );
  if (!r) return null;
  return { jobId: Number(r.jobid), name: String(r.name), type: String(r.type), status: String(r.jobstatus), files: Number(r.jobfiles), bytes: Number(r.jobbytes), pool: r.pool === null ? null : String(r.pool) };
}
