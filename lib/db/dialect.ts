/**
 * Which database the app runs on, decided by the DATABASE_URL scheme at one place: `file:` is the
 * embedded SQLite file (one instance), `postgresql://` or `postgres://` is PostgreSQL (one or
 * several instances on one database).
 */
export type Dialect = "sqlite" | "postgresql";

export function dialectOf(url: string): Dialect {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgresql";
  throw new Error(`DATABASE_URL must be a SQLite file: URL or a postgresql:// URL, got "${url.split(":")[0]}:..."`);
}

/**
 * The dialect of this process's database (DATABASE_URL, or the embedded SQLite default). The
 * Prisma client reads the same variable once (lib/db/client.ts), so both agree; this one never
 * opens the database (modules that only build statements need no client).
 */
export function currentDialect(): Dialect {
  const url = process.env.DATABASE_URL;
  return url && url.trim() !== "" ? dialectOf(url) : "sqlite";
}

/** Where the committed schema and migrations of a dialect live (prisma/postgresql/ is derived: scripts/db/pg-schema.mjs). */
export function prismaPaths(d: Dialect): { schema: string; migrations: string } {
  return d === "sqlite"
    ? { schema: "prisma/schema.prisma", migrations: "prisma/migrations" }
    : { schema: "prisma/postgresql/schema.prisma", migrations: "prisma/postgresql/migrations" };
}
