import { createRequire } from "node:module";
import path from "node:path";
import { Prisma, PrismaClient } from "@prisma/client";
import { SqliteAdapter } from "./adapter";
import { dialectOf, type Dialect } from "./dialect";
import { pgAdapter } from "./pg-adapter";
import { databaseUrl, sqliteFileReady } from "./url";

type Nulls = Pick<typeof Prisma, "DbNull" | "JsonNull" | "AnyNull">;
const globalForPrisma = globalThis as unknown as { __prisma?: PrismaClient; __prismaDialect?: Dialect; __prismaNulls?: Nulls };

/** Connections of one instance's pool on PostgreSQL (DATABASE_POOL_SIZE; several instances share the server's max_connections). */
export function poolSize(): number {
  const n = Number(process.env.DATABASE_POOL_SIZE ?? 10);
  return Number.isInteger(n) && n >= 2 && n <= 100 ? n : 10;
}

/**
 * The PostgreSQL client: generated from prisma/postgresql/schema.prisma (derived from the one
 * schema) into node_modules/.prisma/client-pg, since Prisma's query compiler is built per provider.
 * Loaded at run time, so that an SQLite install never needs it. Same models, same types: it is
 * used through the SQLite client's type.
 */
function pgClient(url: string): { client: PrismaClient; nulls: Nulls } {
  const req = createRequire(path.join(/*turbopackIgnore: true*/ process.cwd(), "package.json"));
  let mod: { PrismaClient: new (o: { adapter: unknown }) => unknown; Prisma: Nulls };
  try {
    mod = req(/*turbopackIgnore: true*/ path.join(process.cwd(), "node_modules", ".prisma", "client-pg")) as typeof mod;
  } catch (err) {
    throw new Error(`DATABASE_URL is PostgreSQL but its Prisma client is not generated: run \`npm run db:generate\` (${err instanceof Error ? err.message : String(err)})`);
  }
  return { client: new mod.PrismaClient({ adapter: pgAdapter(url, poolSize()) }) as PrismaClient, nulls: mod.Prisma };
}

function createClient(): { client: PrismaClient; dialect: Dialect; nulls: Nulls } {
  const url = databaseUrl();
  const dialect = dialectOf(url);
  if (dialect === "postgresql") return { ...pgClient(url), dialect };
  return { client: new PrismaClient({ adapter: new SqliteAdapter(sqliteFileReady(url)) }), dialect, nulls: Prisma };
}

if (!globalForPrisma.__prisma) {
  const made = createClient();
  globalForPrisma.__prisma = made.client;
  globalForPrisma.__prismaDialect = made.dialect;
  globalForPrisma.__prismaNulls = made.nulls;
}

/** One client per process (Next.js dev reloads modules; the global keeps it single). */
export const prisma: PrismaClient = globalForPrisma.__prisma;

/** The dialect of the process's client (the DATABASE_URL scheme when it was made). */
export function dbDialect(): Dialect {
  return globalForPrisma.__prismaDialect ?? dialectOf(databaseUrl());
}

/**
 * The null sentinels of the process's client (`DbNull`: SQL NULL in a Json column). Each generated
 * client has its own: the PostgreSQL client does not know @prisma/client's and would store `{}`.
 */
export const dbNulls: Nulls = globalForPrisma.__prismaNulls ?? Prisma;

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
