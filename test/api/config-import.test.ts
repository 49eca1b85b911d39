/**
 * The Import page's API (POST /api/config/import): configs uploaded to the running dashboard, with
 * their includes read from the upload. Debian's stock /etc/bacula as an operator uploads it (the
 * whole directory, passwords file and scripts too), a conf.d layout with a piped include, a dry
 * run that writes nothing, an import that is refused when the model changed since its dry run,
 * roles, and hostile uploads refused with the field's label and the rule.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { ORIGIN } from "../support/api";

freshDatabase();

const { prisma } = await import("@/lib/db/client");
const { bumpModelRevision } = await import("@/lib/audit");
const { IMPORT_BODY_BYTES } = await import("@/lib/config/read-limits");
// (Loading it wraps http.createServer in this process; nothing here starts a server.)
const { ROUTE_BODY_BYTES } = createRequire(import.meta.url)("../../scripts/http-limits.cjs") as { ROUTE_BODY_BYTES: Record<string, number> };
const route = (await import("@/app/api/config/import/route")).POST as unknown as (req: Request, ctx: unknown) => Promise<Response>;
const { importFastRoute, warmImportRoute } = await import("@/lib/config/import-http");
const { makeUser } = await import("./fixtures");
const { warmImporter, ROUNDS } = await import("@/lib/config/warm-import");

let op = "";
let viewer = "";
beforeAll(async () => {
  op = await makeUser("importer", "operator");
  viewer = await makeUser("looker", "viewer");
});

type Upload = Record<string, string | Uint8Array>;

/** A Director config Bacula accepts, with what `more` adds (the resources a Director needs, unless they come from includes). */
function director(name: string, more = "", own = true): string {
  const base = `Director {\n  Name = ${name}\n  QueryFile = "/etc/bacula/scripts/query.sql"\n  WorkingDirectory = /var/lib/bacula\n  PidDirectory = /run/bacula\n  Password = "${name}-console-pw"\n  Messages = Daemon\n}\nMessages {\n  Name = Daemon\n  console = all\n}\nCatalog {\n  Name = MyCatalog\n  dbname = bacula; dbuser = bacula; dbpassword = ""\n}\nStorage {\n  Name = ${name}-File\n  Address = sd.example.net\n  Password = "${name}-sd-pw"\n  Device = FileStorage\n  Media Type = File\n}\n`;
  const rest = `Client {\n  Name = ${name}-fd\n  Address = fd.example.net\n  Password = "${name}-fd-pw"\n  Catalog = MyCatalog\n}\nPool {\n  Name = ${name}-Pool\n  Pool Type = Backup\n}\nFileSet {\n  Name = ${name}-Set\n  Include {\n    File = /etc\n  }\n}\nJob {\n  Name = ${name}-Job\n  Type = Backup\n  Client = ${name}-fd\n  FileSet = ${name}-Set\n  Pool = ${name}-Pool\n  Storage = ${name}-File\n  Messages = Daemon\n}\n`;
  return base + (own ? rest : "") + more;
}

function form(files: Upload, fields: Record<string, string | string[]>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x);
  for (const [p, body] of Object.entries(files)) f.append("file", new Blob([body as BlobPart]), p);
  return f;
}

async function post(body: FormData | string, o: { cookie?: string; origin?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { host: "dashboard.test", origin: o.origin ?? ORIGIN, ...(o.headers ?? {}) };
  if (o.cookie ?? op) headers.cookie = o.cookie ?? op;
  const res = await route(new Request(`${ORIGIN}/api/config/import`, { method: "POST", headers, body }), { params: Promise.resolve({}) });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, any> };
}

/** A change as the report names it, without the id its record got (PostgreSQL's sequences move on past a rolled-back dry run). */
const withoutId = ({ id: _id, ...rest }: Record<string, unknown>) => rest;

/** Everything an import could write. */
async function snapshot() {
  const [rev, audit, dirs, sds, clients, jobs, pools, stored] = await Promise.all([
    prisma.setting.findUnique({ where: { key: "modelRevision" } }),
    prisma.auditEvent.count(),
    prisma.director.count(),
    prisma.storageDaemon.count(),
    prisma.client.count(),
    prisma.job.count(),
    prisma.pool.count(),
    prisma.configResource.count(),
  ]);
  return JSON.stringify({ rev, audit, dirs, sds, clients, jobs, pools, stored });
}

/** Debian's /etc/bacula as the operator's browser uploads it (every file, relative paths). */
function stockUpload(): Upload {
  const out: Upload = {};
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else if (e.isFile()) out[`${rel}${e.name}`] = fs.readFileSync(p);
    }
  };
  walk("/etc/bacula", "");
  return out;
}

describe("POST /api/config/import", () => {
  it("dry-runs Debian's stock /etc/bacula without writing, imports it with the dry run's revision, and a second dry run finds nothing to change", async () => {
    const files = stockUpload();
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["bacula-dir.conf", "bacula-sd.conf", "bacula-fd.conf", "bconsole.conf"]));
    const before = await snapshot();
    const dry = await post(form(files, { mode: "dry-run", root: "/etc/bacula" }));
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.applied).toBe(false);
    expect(dry.json.dryRun).toBe(true);
    expect(dry.json.issues.filter((i: { severity: string }) => i.severity === "error")).toEqual([]);
    expect(dry.json.configs).toEqual(
      expect.arrayContaining([
        { file: "/etc/bacula/bacula-dir.conf", daemon: "dir" },
        { file: "/etc/bacula/bacula-sd.conf", daemon: "sd" },
        { file: "/etc/bacula/bacula-fd.conf", daemon: "fd" },
      ]),
    );
    // bconsole.conf is not among the default configs (the dashboard writes its own): no warning about it.
    expect(dry.json.issues.filter((i: { message: string }) => /bconsole/.test(i.message))).toEqual([]);
    // Everything else that is uploaded (scripts, the passwords file, bconsole.conf) is listed as not read.
    const others = Object.keys(files).filter((f) => !["bacula-dir.conf", "bacula-sd.conf", "bacula-fd.conf"].includes(f)).map((f) => `/etc/bacula/${f}`);
    expect([...dry.json.unread].sort()).toEqual(others.sort());
    const created = dry.json.changes.filter((c: { action: string }) => c.action === "create");
    expect(created.length).toBeGreaterThan(10);
    expect(await snapshot()).toBe(before);
    // No password of the files comes back, whatever the report says.
    for (const m of fs.readFileSync("/etc/bacula/bacula-dir.conf", "utf8").matchAll(/Password\s*=\s*"([^"]{6,})"/gi)) expect(dry.text).not.toContain(m[1]);

    const done = await post(form(files, { mode: "import", root: "/etc/bacula", expectRevision: String(dry.json.modelRevision), expectDigest: dry.json.uploadDigest }));
    expect(done.status, done.text).toBe(200);
    expect(done.json.applied).toBe(true);
    const named = (cs: { action: string; kind: string; name: string }[]) => cs.map((c) => `${c.action} ${c.kind} ${c.name}`);
    expect(named(done.json.changes)).toEqual(named(dry.json.changes));
    expect(done.json.changeCount).toBe(dry.json.changeCount);
    // Counted by kind and action, all of them.
    const counted = Object.values(dry.json.counts as Record<string, Record<string, number>>).reduce((n, c) => n + c.create + c.update + c.delete, 0);
    expect(counted).toBe(dry.json.changeCount);
    expect(dry.json.counts.directors).toEqual({ create: 1, update: 0, delete: 0 });
    expect(done.json.modelRevision).toBe(dry.json.modelRevision + 1);
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { action: "import" }, orderBy: { id: "desc" } });
    expect(event.actor).toBe("importer");
    expect(await prisma.director.count()).toBe(1);
    expect(await prisma.storageDaemon.count()).toBeGreaterThanOrEqual(1);

    const again = await post(form(files, { mode: "dry-run", root: "/etc/bacula" }));
    expect(again.status, again.text).toBe(200);
    expect(again.json.changes).toEqual([]);
    expect(again.json.changeCount).toBe(0);
  });

  it("reads includes from the upload: conf.d files, a piped directory listing, a top-level file another includes; a file not uploaded is named with the line", async () => {
    const dir = director("layout", `@/srv/site/bacula/clients.conf   # the clients\n@|"sh -c 'for f in /srv/site/bacula/conf.d/*.conf ; do echo @$\{f} ; done'"\n`, false);
    const clients = `Client {\n  Name = layout-fd\n  Address = fd.example.net\n  Password = "layout-fd-pw"\n  Catalog = MyCatalog\n}\n`;
    const pool = `Pool {\n  Name = LayoutPool\n  Pool Type = Backup\n}\n`;
    const job = `Job {\n  Name = LayoutJob\n  Type = Backup\n  Client = layout-fd\n  FileSet = LayoutSet\n  Pool = LayoutPool\n  Storage = layout-File\n  Messages = Daemon\n}\nFileSet {\n  Name = LayoutSet\n  Include {\n    File = /etc\n  }\n}\n`;
    const files = { "bacula-dir.conf": dir, "clients.conf": clients, "conf.d/pools.conf": pool, "conf.d/jobs.conf": job, "conf.d/README": "not a config" };
    const dry = await post(form(files, { mode: "dry-run", root: "/srv/site/bacula/" }));
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.issues.filter((i: { severity: string }) => i.severity === "error")).toEqual([]);
    expect(dry.json.configs).toEqual([{ file: "/srv/site/bacula/bacula-dir.conf", daemon: "dir" }]);
    expect(dry.json.includedOnly).toEqual(expect.arrayContaining([{ file: "/srv/site/bacula/clients.conf", by: "/srv/site/bacula/bacula-dir.conf" }]));
    expect(dry.json.unread).toEqual(["/srv/site/bacula/conf.d/README"]);
    const names = dry.json.changes.map((c: { kind: string; name: string }) => `${c.kind}:${c.name}`);
    expect(names).toEqual(expect.arrayContaining(["clients:layout-fd", "pools:LayoutPool", "jobs:LayoutJob"]));

    const missing = await post(form({ "bacula-dir.conf": dir, "clients.conf": clients }, { mode: "dry-run", root: "/srv/site/bacula" }));
    expect(missing.status).toBe(200);
    const err = missing.json.issues.find((i: { message: string }) => /conf\.d/.test(i.message));
    expect(err, missing.text).toMatchObject({ file: "/srv/site/bacula/bacula-dir.conf", line: 25, severity: "error" });
    expect(err.message).toMatch(/cannot list \/srv\/site\/bacula\/conf\.d .*upload that directory too/);
    expect(missing.json.applied).toBe(false);
    // A listing of a directory outside the upload's directory says so (uploading it "too" would not do).
    expect(dir).toContain("/srv/site/bacula/conf.d/");
    const outside = await post(form({ "bacula-dir.conf": dir.replace("/srv/site/bacula/conf.d/", "/etc/bacula/conf.d/"), "clients.conf": clients }, { mode: "dry-run", root: "/srv/site/bacula" }));
    const away = outside.json.issues.find((i: { message: string }) => /conf\.d/.test(i.message));
    expect(away, outside.text).toMatchObject({ file: "/srv/site/bacula/bacula-dir.conf", line: 25, severity: "error" });
    expect(away.message).toMatch(/cannot list \/etc\/bacula\/conf\.d .*is outside \/srv\/site\/bacula, the directory the upload is of/);
    expect(away.message).not.toMatch(/upload that directory too/);
  });

  it("refuses an import whose model changed since its dry run (409), writing nothing", async () => {
    const files = { "bacula-dir.conf": director("stale") };
    const dry = await post(form(files, { mode: "dry-run" }));
    expect(dry.status, dry.text).toBe(200);
    await bumpModelRevision();
    const before = await snapshot();
    const stale = await post(form(files, { mode: "import", expectRevision: String(dry.json.modelRevision), expectDigest: dry.json.uploadDigest }));
    expect(stale.status, stale.text).toBe(409);
    expect(stale.json.fields[0]).toMatchObject({ field: "expectRevision", rule: "stale", label: "Dry run revision" });
    expect(stale.json.modelRevision).toBe(dry.json.modelRevision + 1);
    expect(await snapshot()).toBe(before);
    const ok = await post(form(files, { mode: "import", expectRevision: String(stale.json.modelRevision), expectDigest: dry.json.uploadDigest }));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.applied, ok.text).toBe(true);
    expect(await prisma.director.count({ where: { name: "stale" } })).toBe(1);
  });

  it("an import reuses its dry run's reading of the same files and does what reading them again would (also with left-out resources)", async () => {
    // (And a Copy job without a Next Pool: Bacula accepts it, the import warns, from the file's own rules.)
    const broken =
      `Job {\n  Name = reuse-broken\n  Type = Backup\n  Client = reuse-fd\n  FileSet = reuse-Set\n  Pool = NoSuchPool\n  Storage = reuse-File\n  Messages = Daemon\n}\n` +
      `Job {\n  Name = reuse-copy\n  Type = Copy\n  Selection Type = PoolUncopiedJobs\n  Client = reuse-fd\n  FileSet = reuse-Set\n  Pool = reuse-Pool\n  Storage = reuse-File\n  Messages = Daemon\n}\n`;
    const copyWarnings = (j: Record<string, any>) => (j.issues as { severity: string; message: string }[]).filter((i) => i.severity === "warning" && /reuse-copy/.test(i.message) && /will not work as written/.test(i.message));
    const files = { "bacula-dir.conf": director("reuse", broken), "bacula-fd.conf": `FileDaemon {\n  Name = reuse-fd\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = reuse\n  Password = "reuse-fd-pw"\n}\nMessages {\n  Name = Standard\n  director = reuse = all\n}\n` };
    const fields = { mode: "dry-run", force: "true" };
    // (Without the new records' ids: PostgreSQL's sequences move on past a rolled-back dry run.)
    const report = (j: Record<string, any>) => JSON.stringify({ changes: j.changes.map(withoutId), issues: j.issues, leftOut: j.leftOut, counts: j.counts, configs: j.configs });
    const first = await post(form(files, fields));
    expect(first.status, first.text).toBe(200);
    expect(first.json.timings.reusedDryRun).toBe(false);
    expect(first.json.leftOut).toEqual([expect.objectContaining({ resource: "Job", name: "reuse-broken" })]);
    expect(copyWarnings(first.json)).toHaveLength(1);
    // A second dry run of the same files reuses the first's reading and says the same (nothing added up twice).
    const second = await post(form(files, fields));
    expect(second.json.timings.reusedDryRun).toBe(true);
    expect(report(second.json)).toBe(report(first.json));
    // Other bytes are read afresh.
    const other = await post(form({ ...files, "bacula-dir.conf": director("reuse", broken + "# another comment\n") }, fields));
    expect(other.json.timings.reusedDryRun).toBe(false);

    const before = await snapshot();
    const done = await post(form(files, { ...fields, mode: "import", expectRevision: String(second.json.modelRevision), expectDigest: second.json.uploadDigest }));
    expect(done.status, done.text).toBe(200);
    expect(done.json.applied).toBe(true);
    expect(done.json.timings.reusedDryRun).toBe(true);
    expect(report(done.json)).toBe(report(first.json));
    expect(copyWarnings(done.json)).toHaveLength(1);
    expect(await snapshot()).not.toBe(before);
    expect(await prisma.job.count({ where: { name: "reuse-broken" } })).toBe(0);
    expect(await prisma.job.count({ where: { name: "reuse-Job" } })).toBe(1);
    // The import took its reading out: the next dry run reads the files again, and finds nothing to change.
    const after = await post(form(files, fields));
    expect(after.json.timings.reusedDryRun).toBe(false);
    expect(after.json.changeCount).toBe(0);
    expect(after.json.leftOut).toEqual(first.json.leftOut);
  });

  it("an import replays what its dry run wrote when the database answers as it did (SQLite), by its own actor at its own time, and works it out again when not", async () => {
    const { testDialect } = await import("../support/appPg");
    const sqlite = testDialect() !== "postgresql";
    // A Director with its SD config (an import that runs every statement on its connection).
    const sd = (name: string) => `Storage {\n  Name = ${name}-sd\n  SDAddress = sd.example.net\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = ${name}\n  Password = "${name}-sd-pw"\n}\nDevice {\n  Name = FileStorage\n  Media Type = File\n  Archive Device = /srv/bacula\n}\nMessages {\n  Name = Standard\n  director = ${name} = all\n}\n`;
    const jobs = (name: string) => Array.from({ length: 40 }, (_, i) => `Job {\n  Name = ${name}-job${i}\n  Type = Backup\n  Client = ${name}-fd\n  FileSet = ${name}-Set\n  Pool = ${name}-Pool\n  Storage = ${name}-File\n  Messages = Daemon\n  RunScript {\n    RunsWhen = Before\n    Command = "/bin/true %c"\n  }\n}\n`).join("");
    // (At an address of their own, on the port where earlier tests left placeholder SDs: the SD
    // config meets them, and takes none.)
    const upload = (name: string) => ({
      "bacula-dir.conf": director(name, jobs(name)).replace("  Address = sd.example.net\n", `  Address = ${name}.sd.example.net\n`),
      "bacula-sd.conf": sd(name).replace("  SDAddress = sd.example.net\n", `  SDAddress = ${name}.sd.example.net\n`),
    });
    expect(await prisma.storageDaemon.count({ where: { port: 9103, resources: { none: {} } } })).toBeGreaterThan(0);
    const dryRun = async (files: Upload, cookie?: string) => {
      const r = await post(form(files, { mode: "dry-run" }), { cookie });
      expect(r.status, r.text).toBe(200);
      expect(r.json.issues.filter((i: { severity: string }) => i.severity === "error")).toEqual([]);
      return r.json;
    };
    const importOf = async (files: Upload, dry: Record<string, any>) => {
      const r = await post(form(files, { mode: "import", expectRevision: String(dry.modelRevision), expectDigest: dry.uploadDigest }));
      expect(r.status, r.text).toBe(200);
      expect(r.json.applied).toBe(true);
      return r.json;
    };
    const admin = await makeUser("replay-admin", "admin");

    // Replayed: the dry run by one user, the import by another, a moment later.
    const files = upload("replay");
    const dry = await dryRun(files, admin);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = new Date();
    const done = await importOf(files, dry);
    expect(done.timings.replayedDryRun).toBe(sqlite);
    // What the dry run said, with the ids it said (on SQLite a rolled-back dry run gives them back).
    expect(done.changes.map(withoutId)).toEqual(dry.changes.map(withoutId));
    if (sqlite) expect(done.changes).toEqual(dry.changes);
    expect(done.issues).toEqual(dry.issues);
    for (const c of done.changes.filter((x: { kind: string }) => x.kind === "jobs"))
      expect(await prisma.job.findUnique({ where: { id: c.id } }), c.name).toMatchObject({ name: c.name });
    // Stamped by the import, not the dry run; audited as the import's actor, one event per change and the import's.
    const created = await prisma.job.findFirstOrThrow({ where: { name: "replay-job7" } });
    expect(created.createdAt.getTime()).toBeGreaterThanOrEqual(t0.getTime());
    expect(created.updatedAt.getTime()).toBe(created.createdAt.getTime());
    const events = await prisma.auditEvent.findMany({ where: { at: { gte: t0 }, action: { startsWith: "import" } } });
    expect(events).toHaveLength(done.changeCount + 1);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(["importer"]));
    expect(await prisma.auditEvent.count({ where: { actor: "replay-admin", action: { startsWith: "import" } } })).toBe(0);
    // What was written is what the files say: a dry run again finds nothing to change.
    expect((await dryRun(files)).changeCount).toBe(0);
    // A re-import with one Job changed is replayed too, its update stamped with the import's time.
    const edited = { ...files, "bacula-dir.conf": files["bacula-dir.conf"].replace("  Name = replay-job7\n", "  Name = replay-job7\n  Priority = 7\n") };
    const dryEdit = await dryRun(edited, admin);
    expect(dryEdit.changes.map((c: Record<string, unknown>) => `${c.action} ${c.kind} ${c.name}`)).toEqual(["update jobs replay-job7"]);
    await new Promise((r) => setTimeout(r, 30));
    const t1 = new Date();
    const editDone = await importOf(edited, dryEdit);
    expect(editDone.timings.replayedDryRun).toBe(sqlite);
    const updated = await prisma.job.findFirstOrThrow({ where: { name: "replay-job7" } });
    expect(updated.priority).toBe(7);
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(t1.getTime());
    expect(updated.createdAt.getTime()).toBe(created.createdAt.getTime());
    expect(await prisma.auditEvent.findMany({ where: { at: { gte: t1 }, action: "import-update" } })).toEqual([expect.objectContaining({ actor: "importer", entityName: "replay-job7" })]);
    expect((await dryRun(edited)).changeCount).toBe(0);

    // Not replayed: rows written between the dry run and the import without a model revision
    // (outside the dashboard's saves) give the import's new records other ids; the import is worked
    // out again, and writes each record once.
    const other = upload("replay2");
    const dry2 = await dryRun(other);
    const intruder = await prisma.catalog.create({ data: { name: "replay-intruder", dbName: "x", directorId: (await prisma.director.findUniqueOrThrow({ where: { name: "replay" } })).id } });
    const client = await prisma.client.create({ data: { name: "replay-intruder-fd", address: "x.invalid", passwordEnc: "x", catalogId: intruder.id, directorId: intruder.directorId } });
    const again = await importOf(other, dry2);
    expect(again.timings.replayedDryRun).toBe(false);
    expect(again.changes.map(withoutId)).toEqual(dry2.changes.map(withoutId));
    expect(await prisma.job.count({ where: { name: { in: Array.from({ length: 40 }, (_, i) => `replay2-job${i}`) } } })).toBe(40);
    expect(await prisma.client.count({ where: { name: "replay2-fd" } })).toBe(1);
    expect((await dryRun(other)).changeCount).toBe(0);
    await prisma.client.delete({ where: { id: client.id } });
    await prisma.catalog.delete({ where: { id: intruder.id } });
  });

  it("a dry run too large to keep its reading records nothing to replay: its import reads and works it out again", async () => {
    const { MAX_BYTES } = await import("@/lib/config/upload-reads");
    const padding = `# ${"x".repeat(1000)}\n`.repeat(Math.ceil((MAX_BYTES + 1) / 1003));
    const files = { "bacula-dir.conf": director("bigdry") + padding };
    const dry = await post(form(files, { mode: "dry-run" }));
    expect(dry.status, dry.text.slice(0, 300)).toBe(200);
    const done = await post(form(files, { mode: "import", expectRevision: String(dry.json.modelRevision), expectDigest: dry.json.uploadDigest }));
    expect(done.status, done.text.slice(0, 300)).toBe(200);
    expect(done.json.applied).toBe(true);
    expect(done.json.timings).toMatchObject({ reusedDryRun: false, replayedDryRun: false });
    expect(done.json.changes.map(withoutId)).toEqual(dry.json.changes.map(withoutId));
  });

  it("names the first 500 changes and counts them all", async () => {
    const jobs = Array.from({ length: 520 }, (_, i) => `Job {\n  Name = many-job${i}\n  Type = Backup\n  Client = many-fd\n  FileSet = many-Set\n  Pool = many-Pool\n  Storage = many-File\n  Messages = Daemon\n}\n`).join("");
    const dry = await post(form({ "bacula-dir.conf": director("many", jobs) }, { mode: "dry-run" }));
    expect(dry.status, dry.text.slice(0, 500)).toBe(200);
    expect(dry.json.changes).toHaveLength(500);
    expect(dry.json.counts.jobs).toEqual({ create: 521, update: 0, delete: 0 });
    expect(dry.json.changeCount).toBeGreaterThan(521);
  });

  it("refuses (409) to import other files, or other choices, than its dry run's, writing nothing", async () => {
    const shown = { "bacula-dir.conf": director("shown") };
    const dry = await post(form(shown, { mode: "dry-run" }));
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.uploadDigest).toMatch(/^[0-9a-f]{64}$/);
    const before = await snapshot();
    const expect409 = async (files: Upload, fields: Record<string, string>) => {
      const r = await post(form(files, { mode: "import", expectRevision: String(dry.json.modelRevision), expectDigest: dry.json.uploadDigest, ...fields }));
      expect(r.status, r.text).toBe(409);
      expect(r.json.fields[0]).toMatchObject({ field: "expectDigest", rule: "changed", label: "Dry run files" });
    };
    await expect409({ "bacula-dir.conf": director("shown", `Pool {\n  Name = NotShown\n  Pool Type = Backup\n}\n`) }, {});
    await expect409({ ...shown, "extra.conf": "Pool {\n  Name = X\n}\n" }, {});
    await expect409(shown, { root: "/etc/other" });
    await expect409(shown, { force: "true" });
    expect(await snapshot()).toBe(before);
    const ok = await post(form(shown, { mode: "import", expectRevision: String(dry.json.modelRevision), expectDigest: dry.json.uploadDigest }));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.applied).toBe(true);
  });

  it("needs the operator role, a session and the same origin", async () => {
    const files = { "bacula-dir.conf": "Director {\n  Name = x\n}\n" };
    expect((await post(form(files, { mode: "dry-run" }), { cookie: viewer })).status).toBe(403);
    expect((await post(form(files, { mode: "dry-run" }), { cookie: "bhd_session=nope" })).status).toBe(401);
    expect((await post(form(files, { mode: "dry-run" }), { origin: "http://evil.example" })).status).toBe(403);
  });

  it("refuses hostile uploads with the field's label and the rule, writing nothing", async () => {
    const before = await snapshot();
    const dir = "Director {\n  Name = x\n}\n";
    const cases: { body: FormData | string; headers?: Record<string, string>; status: number; field: string; rule: string; label?: string; text?: RegExp }[] = [
      { body: form({ "bacula-dir.conf": dir }, { mode: "dry-run", root: "etc/bacula" }), status: 400, field: "root", rule: "root", label: "Directory on the host" },
      { body: form({ "../bacula-dir.conf": dir }, { mode: "dry-run" }), status: 400, field: "files", rule: "path", label: "Config files" },
      { body: form({ "a/./b.conf": dir }, { mode: "dry-run" }), status: 400, field: "files", rule: "path" },
      { body: form({ "bacula-dir.conf": dir, "caf\u0065\u0301.conf": dir }, { mode: "dry-run" }), status: 400, field: "files", rule: "path", text: /composed form/ },
      { body: form({ "bacula-dir.conf": dir, "evil\u202efnoc.conf": dir }, { mode: "dry-run" }), status: 400, field: "files", rule: "path", text: /invisible/ },
      { body: form({ "bacula-dir.conf": dir }, {}), status: 400, field: "mode", rule: "invalid_value", label: "Mode" },
      { body: form({ "bacula-dir.conf": dir }, { mode: "import" }), status: 400, field: "expectRevision", rule: "dry-run-first", label: "Dry run revision" },
      { body: form({ "bacula-dir.conf": dir }, { mode: "dry-run", extra: "1" }), status: 400, field: "(body)", rule: "unrecognized_keys" },
      { body: form({ "bacula-dir.conf": dir }, { mode: ["dry-run", "import"] }), status: 400, field: "mode", rule: "repeated", label: "Mode" },
      { body: form({ "bacula-dir.conf": dir }, { mode: "import", expectRevision: "0", expectDigest: "abc" }), status: 400, field: "expectDigest", rule: "invalid_format", label: "Dry run files" },
      { body: form({ "bacula-dir.conf": dir }, { mode: "dry-run", file: "text, not a file" }), status: 400, field: "files", rule: "file" },
      { body: form({ "scripts/x.sh": "echo" }, { mode: "dry-run" }), status: 400, field: "files", rule: "path", text: /hold no config to import/ },
      { body: form({ "bacula-dir.conf": dir }, { mode: "dry-run", import: "other.conf" }), status: 400, field: "files", rule: "path", text: /was not uploaded/ },
      { body: '{"mode":"dry-run"}', headers: { "content-type": "application/json" }, status: 400, field: "(body)", rule: "content-type" },
      { body: "--x\r\nbroken", headers: { "content-type": "multipart/form-data; boundary=x" }, status: 400, field: "(body)", rule: "multipart" },
      { body: "x", headers: { "content-type": "multipart/form-data; boundary=x", "content-length": String(IMPORT_BODY_BYTES + 1) }, status: 413, field: "(body)", rule: "max-size" },
    ];
    for (const c of cases) {
      const r = await post(c.body, { headers: c.headers });
      const what = `${c.field}/${c.rule}: ${r.text}`;
      expect(r.status, what).toBe(c.status);
      expect(r.json.fields[0], what).toMatchObject({ field: c.field, rule: c.rule, ...(c.label ? { label: c.label } : {}) });
      if (c.text) expect(r.json.error, what).toMatch(c.text);
    }
    // A file that is not text, where it is read: reported with its line; where nothing reads it, no matter.
    const latin = await post(form({ "bacula-dir.conf": Uint8Array.from([0x44, 0x69, 0x0a, 0x0a, 0xff, 0x0a]), "scripts/x.pyc": Uint8Array.from([0, 0xff, 0xfe]) }, { mode: "dry-run" }));
    expect(latin.status, latin.text).toBe(200);
    expect(latin.json.issues).toEqual([expect.objectContaining({ file: "/etc/bacula/bacula-dir.conf", line: 3, severity: "error", message: "is not UTF-8 text (line 3, byte 4: save it as UTF-8)" })]);
    expect(latin.json.unread).toEqual(["/etc/bacula/scripts/x.pyc"]);
    const nul = await post(form({ "bacula-dir.conf": director("nul", "@/etc/bacula/conf.d/bin.conf\n"), "conf.d/bin.conf": "Pool {\0}" }, { mode: "dry-run" }));
    expect(nul.json.issues).toContainEqual(expect.objectContaining({ file: "/etc/bacula/bacula-dir.conf", message: expect.stringMatching(/bin\.conf: holds NUL bytes/) }));
    // An include outside the directory says so (nothing is read from the server's disk).
    const outside = await post(form({ "bacula-dir.conf": director("out", "@/etc/passwd\n") }, { mode: "dry-run" }));
    expect(outside.json.issues).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/\/etc\/passwd: is outside \/etc\/bacula/) }));
    expect(outside.text).not.toContain("root:x:");
    // A file that is no daemon's config: a report naming it, nothing written.
    const odd = await post(form({ "notes.conf": "just some words\n" }, { mode: "dry-run" }));
    expect(odd.status).toBe(200);
    expect(odd.json.issues[0]).toMatchObject({ file: "/etc/bacula/notes.conf", severity: "error" });
    expect(await snapshot()).toBe(before);
  });

  it("the server's fast path answers the upload as the route handler does (dry run, import, auth, errors), and leaves the rest to Next", async () => {
    const server = http.createServer((req, res) => {
      if (!importFastRoute(req, res)) res.writeHead(404, { "x-not-taken": "1" }).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    /** The request over a socket, as the browser sends it (multipart body, Host and Origin of the dashboard). */
    const raw = async (body: FormData | undefined, o: { cookie?: string; method?: string; path?: string; headers?: Record<string, string> } = {}) => {
      const encoded = body ? new Request(ORIGIN, { method: "POST", body }) : undefined;
      const bytes = encoded ? Buffer.from(await encoded.arrayBuffer()) : Buffer.alloc(0);
      const headers: Record<string, string> = { host: "dashboard.test", origin: ORIGIN, "accept-encoding": "gzip", ...(encoded ? { "content-type": encoded.headers.get("content-type")!, "content-length": String(bytes.length) } : {}), ...(o.cookie === "" ? {} : { cookie: o.cookie ?? op }), ...o.headers };
      return new Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, any> }>((resolve, reject) => {
        const r = http.request({ host: "127.0.0.1", port, path: o.path ?? "/api/config/import", method: o.method ?? "POST", headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const all = Buffer.concat(chunks);
            const text = (res.headers["content-encoding"] === "gzip" ? gunzipSync(all) : all).toString("utf8");
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, any>) : {} });
          });
        });
        r.on("error", reject);
        r.end(bytes);
      });
    };
    const same = (j: Record<string, any>) => JSON.stringify({ ...j, changes: j.changes.map(withoutId), timings: undefined });
    try {
      const files = { "bacula-dir.conf": director("fast") };
      const viaRoute = await post(form(files, { mode: "dry-run" }));
      const fast = await raw(form(files, { mode: "dry-run" }));
      expect(fast.status, JSON.stringify(fast.json)).toBe(200);
      expect(same(fast.json)).toBe(same(viaRoute.json));
      expect(fast.headers["content-type"]).toBe("application/json");
      // The import of what the dry run showed, through the fast path.
      const done = await raw(form(files, { mode: "import", expectRevision: String(fast.json.modelRevision), expectDigest: fast.json.uploadDigest }));
      expect(done.status, JSON.stringify(done.json)).toBe(200);
      expect(done.json.applied).toBe(true);
      expect(await prisma.director.count({ where: { name: "fast" } })).toBe(1);
      // The same refusals as the route's.
      expect((await raw(form(files, { mode: "dry-run" }), { cookie: "" })).status).toBe(401);
      expect((await raw(form(files, { mode: "dry-run" }), { cookie: viewer })).status).toBe(403);
      expect((await raw(form(files, { mode: "dry-run" }), { headers: { origin: "http://evil.example" } })).status).toBe(403);
      const bad = await raw(form(files, { mode: "dry-run", root: "etc/bacula" }));
      expect(bad.status).toBe(400);
      expect(bad.json.fields[0]).toMatchObject({ field: "root", label: "Directory on the host" });
      const stale = await raw(form(files, { mode: "import", expectRevision: "0", expectDigest: fast.json.uploadDigest }));
      expect(stale.status).toBe(409);
      expect(stale.json.fields[0]).toMatchObject({ field: "expectRevision", rule: "stale" });
      // Not the upload: another path, another method.
      for (const [p, method] of [["/api/config/import", "GET"], ["/api/config/import/x", "POST"], ["/api/config", "POST"], ["/api/config/import", "PUT"]] as const)
        expect((await raw(undefined, { path: p, method })).headers["x-not-taken"], `${method} ${p}`).toBe("1");
      // A query string does not hide the path.
      expect((await raw(form(files, { mode: "dry-run" }), { path: "/api/config/import?x=1" })).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("the start-up warm-up imports its generated Director, SD and FD configs (through the route's reading of an upload too) without an error and writes nothing", async () => {
    const before = await snapshot();
    let routeRounds = 0;
    const times = await warmImporter(prisma, async (files, main, report) => {
      await warmImportRoute(files, main, report);
      routeRounds++;
    });
    expect(times).toHaveLength(ROUNDS);
    expect(routeRounds).toBe(ROUNDS);
    expect(await snapshot()).toBe(before);
    expect(await prisma.director.count({ where: { name: { startsWith: "warm-" } } })).toBe(0);
  });

  it("takes as much as the HTTP server in front of it lets through, and no more than one import may read", () => {
    expect(ROUTE_BODY_BYTES["/api/config/import"]).toBe(IMPORT_BODY_BYTES);
  });
});
