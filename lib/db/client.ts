import { PrismaClient } from "@prisma/client";
import { SqliteAdapter } from "./adapter";
import { databaseUrl, sqliteFileReady } from "./url";

const globalForPrisma = globalThis as unknown as { __prisma?: PrismaClient };

function createClient(): PrismaClient {
  return new PrismaClient({ adapter: new SqliteAdapter(sqliteFileReady(databaseUrl())) });
}

/** One client per process (Next.js dev reloads modules; the global keeps it single). */
export const prisma: PrismaClient = globalForPrisma.__prisma ?? createClient();
globalForPrisma.__prisma = prisma;

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
