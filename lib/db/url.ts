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

/** The app's own data folder (database, secret key, setup token): created 0700. */
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), "data");
}

/** Creates `dir` (and missing parents) 0700; the app's data folder is tightened to 0700 if it exists. */
export function privateDir(dir: string): void {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  else if (path.resolve(dir) === dataDir()) tighten(dir, 0o700);
}

/** Removes group/other bits of a file or folder we own (never widens, never touches others' files). */
function tighten(p: string, mode: number): void {
  try {
    const st = fs.statSync(p);
    if ((st.mode & 0o777 & ~mode) !== 0 && (typeof process.getuid !== "function" || st.uid === process.getuid())) fs.chmodSync(p, st.mode & 0o777 & mode);
  } catch {
    /* gone, or not ours */
  }
}

/**
 * The SQLite file of a URL, ready to open: its folder created 0700 (a fresh clone has no data/ yet),
 * the file created 0600 before SQLite opens it (SQLite gives its journal and WAL files the same
 * mode), an existing one and its journals tightened to 0600. It holds password hashes and the
 * encrypted secrets.
 */
export function sqliteFileReady(url: string): string {
  const file = sqliteFileFromUrl(url);
  privateDir(path.dirname(file));
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) if (fs.existsSync(f)) tighten(f, 0o600);
  return file;
}
