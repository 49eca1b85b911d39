/**
 * Migrated SQLite files opened through the app's own adapter (lib/db/adapter.ts), each with a
 * client of its own, for tests of the adapter and what it runs beside the connection. `closeAll`
 * (in afterAll) disconnects them and removes the files.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PrismaClient } from "@prisma/client";
import { SqliteAdapter } from "@/lib/db/adapter";
import { applyMigrations } from "./db";
import { openSqlite } from "./sqlite";

export function adapterDatabases(prefix: string): { database(folderName?: string): { file: string; prisma: PrismaClient }; closeAll(): Promise<void> } {
  const dirs: string[] = [];
  const clients: PrismaClient[] = [];
  return {
    database(folderName = "db") {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      const folder = path.join(dir, folderName);
      fs.mkdirSync(folder, { recursive: true });
      const file = path.join(folder, "app.db");
      const db = openSqlite(file);
      applyMigrations(db);
      db.close();
      const prisma = new PrismaClient({ adapter: new SqliteAdapter(file) });
      clients.push(prisma);
      return { file, prisma };
    },
    async closeAll() {
      for (const c of clients) await c.$disconnect();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}
