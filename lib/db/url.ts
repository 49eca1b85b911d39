import fs from "node:fs";
import path from "node:path";

/** The app's database URL: DATABASE_URL, or the embedded SQLite file under ./data. */
export function databaseUrl(): string {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv && fromEnv.trim() !== "") return fromEnv;
  const file = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "data", "app.db");
  process.env.DATABASE_URL = `file:${file}`;
  return process.env.DATABASE_URL;
}

/** Turns `file:./x.db` or `file:/abs/x.db` into a filesystem path. */
export function sqliteFileFromUrl(url: string): string {
  if (!url.startsWith("file:")) {
    throw new Error(`DATABASE_URL must be a SQLite file: URL, got "${url.split(":")[0]}:..."`);
  }
  const rest = url.slice("file:".length).split("?")[0];
  return path.isAbsolute(rest) ? rest : path.resolve(/*turbopackIgnore: true*/ process.cwd(), rest);
}

/** The SQLite file of a URL, with its folder created (a fresh clone has no data/ yet). */
export function sqliteFileReady(url: string): string {
  const file = sqliteFileFromUrl(url);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
}
