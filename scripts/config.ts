/**
 * Command line for the Bacula config engine, on the app's database (DATABASE_URL, default
 * data/app.db):
 *
 *   npm run config:render -- --out DIR     validate, then write DIR/<daemon>/bacula-dir.conf + bconsole.conf | bacula-sd.conf | bacula-fd.conf
 *   npm run config:import -- FILE...       import bacula-dir.conf / bacula-sd.conf files (auto-detected)
 *                 [--dry-run] [--force] [--changes] [--dir|--sd|--fd] [--actor NAME] [--allow-root DIR]...
 *                 --changes lists each record the import creates, updates or removes.
 *                 Files and their @ includes are read by lib/config/read-files.ts: regular files
 *                 only, size caps, includes only under the given files' directories or an
 *                 --allow-root DIR.
 *   npm run config:check -- DIR            bdirjson / bbconsjson / bsdjson / bfdjson -t -c on every config of a rendered tree
 *
 * Exit 0 on success, 1 on validation / import / check errors, 2 on usage or environment errors.
 */
import fs from "node:fs";
import { databaseUrl, sqliteFileFromUrl } from "../lib/db/url";

const USAGE = `usage:
  npm run config:render -- --out DIR
  npm run config:import -- [--dry-run] [--force] [--changes] [--dir|--sd|--fd] [--actor NAME] [--allow-root DIR]... FILE...
  npm run config:check -- DIR`;

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const flags = new Map<string, string | true>();
  const rest: string[] = [];
  const allowRoots: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue;
    if (a === "--allow-root") {
      const v = argv[++i];
      if (!v) throw new UsageError(`${a} needs a value`);
      allowRoots.push(v);
    } else if (a.startsWith("--allow-root=")) allowRoots.push(a.slice("--allow-root=".length));
    else if (a === "--out" || a === "--actor") {
      const v = argv[++i];
      if (!v) throw new UsageError(`${a} needs a value`);
      flags.set(a, v);
    } else if (a.startsWith("--out=") || a.startsWith("--actor=")) {
      const [k, v] = a.split(/=(.*)/s);
      flags.set(k, v);
    } else if (["--dry-run", "--force", "--changes", "--dir", "--sd", "--fd", "--help", "-h"].includes(a)) flags.set(a, true);
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  return { flags, rest, allowRoots };
}

/** The database must exist and be migrated: a missing file would otherwise be created empty. */
function requireDatabase() {
  const url = databaseUrl();
  if (url.startsWith("file:")) {
    const file = sqliteFileFromUrl(url);
    if (!fs.existsSync(file)) throw new UsageError(`the database ${file} does not exist: run \`npm run db:migrate\` first (or set DATABASE_URL)`);
  }
}

async function render(out: string): Promise<number> {
  requireDatabase();
  const { prisma } = await import("../lib/db/client");
  const { renderTree, formatProblem } = await import("../lib/config/cli");
  try {
    const r = await renderTree(prisma, out);
    for (const p of r.problems) (p.severity === "error" ? console.error : console.warn)(formatProblem(p));
    if (!r.ok) {
      console.error(`validation failed: ${r.problems.filter((p) => p.severity === "error").length} error(s); nothing written`);
      return 1;
    }
    for (const f of r.written) console.log(`wrote ${f}`);
    console.log(`${r.written.length} config(s) rendered at model revision ${r.revision}`);
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

async function importFiles(files: string[], flags: Map<string, string | true>, allowRoots: string[]): Promise<number> {
  requireDatabase();
  const { importConfigs, formatIssue, DAEMON_LABEL } = await import("../lib/config/import-to-db");
  const { parseConfigFiles, ConfigReadError } = await import("../lib/config/read-files");
  const daemon = flags.has("--dir") ? "dir" : flags.has("--sd") ? "sd" : flags.has("--fd") ? "fd" : undefined;
  for (const f of files) if (!fs.existsSync(f)) throw new UsageError(`${f}: no such file`);
  let sources;
  try {
    sources = parseConfigFiles(files, daemon, { allowRoots });
  } catch (e) {
    if (e instanceof ConfigReadError) {
      console.error(`${e.message} [${e.rule}]; nothing written`);
      return 1;
    }
    throw e;
  }
  sources.forEach((src, i) => console.log(`${files[i]}: ${DAEMON_LABEL[src.daemon]} config`));
  const { prisma } = await import("../lib/db/client");
  try {
    const report = await importConfigs(prisma, sources, {
      actor: typeof flags.get("--actor") === "string" ? (flags.get("--actor") as string) : "config:import",
      dryRun: flags.has("--dry-run"),
      allowErrors: flags.has("--force"),
    });
    if (flags.has("--changes")) for (const c of report.changes) console.log(`${c.action} ${c.kind} "${c.name}"${c.placeholder ? " (placeholder)" : ""}`);
    for (const i of report.issues) (i.severity === "error" ? console.error : console.warn)(formatIssue(i));
    const created = report.changes.filter((c) => c.action === "create");
    const updated = report.changes.filter((c) => c.action === "update");
    const deleted = report.changes.filter((c) => c.action === "delete");
    const placeholders = report.changes.filter((c) => c.placeholder);
    const errors = report.issues.filter((i) => i.severity === "error").length;
    const warnings = report.issues.length - errors;
    const summary = `${created.length} record(s) to create, ${updated.length} to update, ${deleted.length ? `${deleted.length} to remove, ` : ""}${placeholders.length} placeholder(s); ${errors} error(s), ${warnings} warning(s)`;
    if (report.applied) {
      console.log(report.revision === undefined ? `imported: ${summary}; nothing changed` : `imported: ${summary}; model revision ${report.revision}`);
      return 0;
    }
    if (report.dryRun) {
      console.log(`dry run, nothing written: ${summary}`);
      return errors ? 1 : 0;
    }
    console.error(`import failed, nothing written: ${summary}. Fix the errors, or use --force to import what can be mapped.`);
    return 1;
  } finally {
    await prisma.$disconnect();
  }
}

async function check(dir: string): Promise<number> {
  const { checkTree, MissingBaculaError } = await import("../lib/config/cli");
  try {
    const results = checkTree(dir);
    if (results.length === 0) {
      console.error(`${dir}: no bacula-dir.conf, bconsole.conf, bacula-sd.conf or bacula-fd.conf under DIR/<daemon>/ (render with npm run config:render -- --out ${dir})`);
      return 1;
    }
    for (const r of results) {
      console.log(`${r.ok ? "ok  " : "FAIL"} ${r.file} (${r.tool.split("/").pop()} -t, exit ${r.code})`);
      if (!r.ok && r.output) console.log(r.output.replace(/^/gm, "     "));
    }
    const failed = results.filter((r) => !r.ok).length;
    if (failed) console.error(`${failed} of ${results.length} config(s) refused by Bacula`);
    else console.log(`${results.length} config(s) accepted by Bacula`);
    return failed ? 1 : 0;
  } catch (e) {
    if (e instanceof MissingBaculaError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const { flags, rest, allowRoots } = parseArgs(args);
  if (!command || flags.has("--help") || flags.has("-h")) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  switch (command) {
    case "render": {
      const out = flags.get("--out") ?? rest[0];
      if (typeof out !== "string") throw new UsageError("render needs --out DIR");
      return render(out);
    }
    case "import":
      if (rest.length === 0) throw new UsageError("import needs at least one FILE");
      return importFiles(rest, flags, allowRoots);
    case "check":
      if (rest.length !== 1) throw new UsageError("check needs one DIR");
      return check(rest[0]);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
