/**
 * The work behind `npm run config:render | config:import | config:check` (scripts/config.ts):
 * plain functions that return what happened, so that tests call them without a process.
 */
import { runBaculaTool } from "@/lib/bacula/tool-run";
import fs from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import {
  hasErrors,
  renderConsole,
  renderDirector,
  renderFileDaemon,
  renderStorageDaemon,
  validateConsole,
  validateDirector,
  validateFileDaemon,
  validateStorageDaemon,
  type Problem,
} from "@/lib/bacula";
import { loadConsoleConfig, loadFileDaemonConfig } from "./fd-from-db";
import { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } from "./from-db";
import { unusedSdMessage, unusedStorageDaemon } from "./unused-sd";

export type ConfigFile = "bacula-dir.conf" | "bacula-sd.conf" | "bacula-fd.conf" | "bconsole.conf";

export interface DaemonProblem extends Problem {
  daemon: string;
  file: ConfigFile;
}

export interface RenderTreeResult {
  /** False when validation found errors: nothing was written. */
  ok: boolean;
  written: string[];
  problems: DaemonProblem[];
  revision: number;
}

/**
 * Renders every Director (with its bconsole.conf), Storage Daemon and Client File Daemon of the
 * database under `outDir/<daemon name>/` (bacula-dir.conf + bconsole.conf, bacula-sd.conf,
 * bacula-fd.conf). Everything is validated first; with any error nothing is written. Files are
 * written through a temp file and a rename.
 */
export async function renderTree(db: PrismaClient, outDir: string): Promise<RenderTreeResult> {
  const revision = await modelRevision(db);
  const outputs: Array<{ dir: string; file: ConfigFile; text: string }> = [];
  const problems: DaemonProblem[] = [];
  const directors = await db.director.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
  for (const d of directors) {
    const cfg = await loadDirectorConfig(db, d.id);
    // A standby gets its primary's configuration, unchanged, in its own folder (see loadDirectorConfig).
    const p = validateDirector(cfg).map((x) => ({ ...x, daemon: d.name, file: "bacula-dir.conf" as const }));
    problems.push(...p);
    if (!hasErrors(p)) outputs.push({ dir: d.name, file: "bacula-dir.conf", text: renderDirector(cfg, { revision: revision || 1 }) });
    const ccfg = await loadConsoleConfig(db, d.id);
    const cp = validateConsole(ccfg).map((x) => ({ ...x, daemon: d.name, file: "bconsole.conf" as const }));
    problems.push(...cp);
    if (!hasErrors(cp)) outputs.push({ dir: d.name, file: "bconsole.conf", text: renderConsole(ccfg, { revision: revision || 1 }) });
  }
  const sds = await db.storageDaemon.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, placeholder: true } });
  for (const s of sds) {
    const cfg = await loadStorageDaemonConfig(db, s.id);
    if (unusedStorageDaemon(cfg)) {
      // Not part of any Director's topology: said, not rendered, and the rest is.
      problems.push({ resource: "Storage", name: s.name, field: "directors", rule: "unused", severity: "warning", daemon: s.name, file: "bacula-sd.conf", message: unusedSdMessage(s.name, s.placeholder) });
      continue;
    }
    const p = validateStorageDaemon(cfg).map((x) => ({ ...x, daemon: s.name, file: "bacula-sd.conf" as const }));
    problems.push(...p);
    if (!hasErrors(p)) outputs.push({ dir: s.name, file: "bacula-sd.conf", text: renderStorageDaemon(cfg, { revision: revision || 1 }) });
  }
  const clients = await db.client.findMany({ orderBy: [{ name: "asc" }, { id: "asc" }], select: { id: true, name: true } });
  const fds = new Set<string>();
  for (const c of clients) {
    // Clients of one name (several Directors' Clients of one File Daemon) render one bacula-fd.conf.
    if (fds.has(c.name)) continue;
    fds.add(c.name);
    const cfg = await loadFileDaemonConfig(db, c.id);
    const p = validateFileDaemon(cfg).map((x) => ({ ...x, daemon: c.name, file: "bacula-fd.conf" as const }));
    problems.push(...p);
    if (!hasErrors(p)) outputs.push({ dir: c.name, file: "bacula-fd.conf", text: renderFileDaemon(cfg, { revision: revision || 1 }) });
  }
  if (hasErrors(problems)) return { ok: false, written: [], problems, revision };
  const written: string[] = [];
  for (const o of outputs) {
    const dir = path.join(outDir, o.dir);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, o.file);
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, o.text, { mode: 0o640 });
    fs.renameSync(tmp, file);
    written.push(file);
  }
  return { ok: true, written, problems, revision };
}

export function formatProblem(p: DaemonProblem): string {
  return `${p.daemon}/${p.file}: ${p.severity}: ${p.message} [${p.rule}${p.field ? `, field ${p.field}` : ""}]`;
}

export const CHECK_TOOLS = {
  "bacula-dir.conf": process.env.BACULA_BDIRJSON ?? "/usr/sbin/bdirjson",
  "bacula-sd.conf": process.env.BACULA_BSDJSON ?? "/usr/sbin/bsdjson",
  "bacula-fd.conf": process.env.BACULA_BFDJSON ?? "/usr/sbin/bfdjson",
  "bconsole.conf": process.env.BACULA_BBCONSJSON ?? "/usr/sbin/bbconsjson",
} as const;

export interface CheckResult {
  file: string;
  tool: string;
  ok: boolean;
  code: number | null;
  output: string;
}

export class MissingBaculaError extends Error {}

/** The config files of a rendered tree: DIR/<daemon>/bacula-dir.conf, bconsole.conf, bacula-sd.conf, bacula-fd.conf. */
export function findConfigs(dir: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    for (const f of Object.keys(CHECK_TOOLS)) {
      const p = path.join(dir, name, f);
      if (fs.existsSync(p)) out.push(path.resolve(p));
    }
  }
  return out;
}

/** Runs `bdirjson` / `bbconsjson` / `bsdjson` / `bfdjson -t -c` on every config of a rendered tree. */
export function checkTree(dir: string): CheckResult[] {
  const files = findConfigs(dir);
  const needed = new Set(files.map((f) => CHECK_TOOLS[path.basename(f) as keyof typeof CHECK_TOOLS]));
  const missing = [...needed].filter((t) => !fs.existsSync(t));
  if (missing.length)
    throw new MissingBaculaError(
      `Bacula is not installed here (${missing.join(", ")} not found): install Bacula 15 ` +
        "(Debian 12: apt-get install -t bookworm-backports bacula-director bacula-sd) or set BACULA_BDIRJSON / BACULA_BSDJSON",
    );
  return files.map((file) => {
    const tool = CHECK_TOOLS[path.basename(file) as keyof typeof CHECK_TOOLS];
    const r = runBaculaTool(tool, ["-t", "-c", file], { timeoutMs: 40_000 });
    const output = `${r.stdout?.toString("utf8") ?? ""}${r.stderr?.toString("utf8") ?? ""}${r.error ? String(r.error) : ""}`.trim();
    return { file, tool, ok: r.status === 0, code: r.status, output };
  });
}
