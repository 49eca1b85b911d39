/** `npm run config:render | config:import | config:check` as processes, on a fresh database. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";

const { dir } = freshDatabase();
const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL!, APP_KEY_FILE: process.env.APP_KEY_FILE! };
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/config.ts", ...args], { env, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

beforeAll(async () => {
  const { prisma } = await import("@/lib/db/client");
  const { seedDemo } = await import("@/lib/demo/seed");
  await seedDemo(prisma);
  // Working directories that exist, so that bdirjson / bsdjson accept the rendered files.
  for (const sub of ["dir", "sd"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  await prisma.director.updateMany({ data: { workingDirectory: path.join(dir, "dir"), pidDirectory: path.join(dir, "dir") } });
  await prisma.storageDaemon.updateMany({ data: { workingDirectory: path.join(dir, "sd"), pidDirectory: path.join(dir, "sd") } });
  await prisma.client.updateMany({ data: { fdWorkingDirectory: path.join(dir, "sd"), fdPidDirectory: path.join(dir, "sd") } });
  await prisma.$disconnect();
});

describe("config command line", () => {
  it("renders every daemon into its own folder, and Bacula accepts the tree", () => {
    const out = path.join(dir, "out");
    const r = cli("render", "--out", out);
    expect(r.code, r.out).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(["app-server-fd", "bacula-dir", "bacula-dir-standby", "sd-site-a", "sd-site-b"]);
    expect(fs.existsSync(path.join(out, "bacula-dir", "bacula-dir.conf"))).toBe(true);
    expect(fs.readFileSync(path.join(out, "bacula-dir-standby", "bconsole.conf"), "utf8")).toContain('Name = "bacula-dir-standby"');
    // The client's File Daemon accepts both Directors of the pair.
    const fdConf = fs.readFileSync(path.join(out, "app-server-fd", "bacula-fd.conf"), "utf8");
    for (const n of ["bacula-dir", "bacula-dir-standby"]) expect(fdConf).toContain(`Name = "${n}"`);
    expect(fs.existsSync(path.join(out, "sd-site-a", "bacula-sd.conf"))).toBe(true);
    const c = cli("check", out);
    expect(c.code, c.out).toBe(0);
    expect(c.out).toContain("7 config(s) accepted by Bacula");
    // A broken file makes check fail.
    fs.appendFileSync(path.join(out, "sd-site-a", "bacula-sd.conf"), "Device {\n  Name = x\n  Bogus = 1\n}\n");
    const bad = cli("check", out);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/FAIL .*sd-site-a\/bacula-sd.conf/);
    // Without Bacula: a clear message and a non-zero exit.
    const none = spawnSync(process.execPath, ["--import", "tsx", "scripts/config.ts", "check", out], { env: { ...env, BACULA_BDIRJSON: "/nonexistent/bdirjson" }, encoding: "utf8" });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("Bacula is not installed");
  });

  it("imports files (auto-detected) and refuses broken ones with file:line messages", () => {
    const conf = path.join(dir, "extra-dir.conf");
    fs.writeFileSync(conf, `Director {\n  Name = extra-dir\n  Password = "p"\n  QueryFile = "/q"\n  WorkingDirectory = "/w"\n  PidDirectory = "/p"\n}\nMessages {\n  Name = M\n  console = all\n}\nClient {\n  Name = c-fd\n  Address = c.example.net\n  Password = "x"\n  Catalog = Missing\n}\n`);
    const r = cli("import", conf);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${conf}:16: error: Client "c-fd": Catalog refers to Catalog "Missing"`);
    expect(r.out).toContain("nothing written");
    const forced = cli("import", "--force", conf);
    expect(forced.code, forced.out).toBe(0);
    expect(forced.out).toMatch(/imported: .* model revision \d+/);
    // --changes names each record; the same file again changes nothing.
    const again = cli("import", "--force", "--changes", conf);
    expect(again.out).toContain("nothing changed");
    expect(again.out).not.toMatch(/^(create|update|delete) /m);
    fs.appendFileSync(conf, `Messages {\n  Name = M2\n  console = all\n}\n`);
    const more = cli("import", "--force", "--changes", conf);
    expect(more.out).toMatch(/^create messages "M2"$/m);
    expect(cli("import").code).toBe(2);
    expect(cli("render").code).toBe(2);
  });

  it("import reads only regular files under the given files' directories (or --allow-root), within the caps, never echoing them", () => {
    const inside = path.join(dir, "imp");
    const outside = path.join(dir, "elsewhere");
    fs.mkdirSync(inside, { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    const secretLine = "Password-of-someone-else = s3cr3t-line-never-shown";
    fs.writeFileSync(path.join(outside, "secret.conf"), `${secretLine}\n`);
    fs.writeFileSync(path.join(outside, "msgs.conf"), "Messages {\n  Name = FromElsewhere\n  console = all\n}\n");
    fs.symlinkSync(path.join(outside, "secret.conf"), path.join(inside, "link.conf"));
    const main = (name: string, include: string) => {
      const f = path.join(inside, name);
      fs.writeFileSync(f, `Director {\n  Name = imp-dir\n  Password = "p"\n  QueryFile = "/q"\n  WorkingDirectory = "/w"\n  PidDirectory = "/p"\n}\n@${include}\n`);
      return f;
    };
    // A device is refused at once (it used to be read forever), as are a FIFO and a directory.
    const t0 = Date.now();
    expect(cli("import", "--dry-run", main("zero.conf", "/dev/zero")).out).toContain("/dev/zero: is outside the directories of the files given");
    const zero = cli("import", "--dry-run", "--allow-root", "/dev", main("zero.conf", "/dev/zero"));
    expect(zero.code).toBe(1);
    expect(zero.out).toContain("/dev/zero: is a character device, not a regular file");
    expect(Date.now() - t0).toBeLessThan(30_000);
    spawnSync("mkfifo", [path.join(inside, "fifo.conf")]);
    expect(cli("import", "--dry-run", main("fifo-inc.conf", path.join(inside, "fifo.conf"))).out).toContain("is a FIFO, not a regular file");
    const fifoMain = cli("import", "--dry-run", path.join(inside, "fifo.conf"));
    expect(fifoMain.code).toBe(1);
    expect(fifoMain.out).toContain("fifo.conf: is a FIFO, not a regular file [not-regular]; nothing written");
    // Outside the roots, directly or through a symlink: refused, and not a byte of it is shown.
    for (const include of [path.join(outside, "secret.conf"), path.join(inside, "link.conf"), "/etc/shadow"]) {
      const r = cli("import", "--dry-run", main("out.conf", include));
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain("is outside the directories of the files given");
      expect(r.out).not.toContain("s3cr3t-line-never-shown");
      expect(r.out).not.toMatch(/root:[^\n]*:\d+:/);
    }
    // --allow-root opens that directory.
    const allowed = cli("import", "--dry-run", "--allow-root", outside, main("ok.conf", path.join(outside, "msgs.conf")));
    expect(allowed.out).not.toContain("outside the directories");
    expect(allowed.out).toContain("dry run, nothing written");
    // Over the per-file cap (a sparse 17 MiB file: refused from its size, without reading it).
    fs.closeSync(fs.openSync(path.join(inside, "huge.conf"), "w"));
    fs.truncateSync(path.join(inside, "huge.conf"), 17 * 1024 * 1024);
    const huge = cli("import", "--dry-run", path.join(inside, "huge.conf"));
    expect(huge.code).toBe(1);
    expect(huge.out).toContain(`huge.conf: is ${17 * 1024 * 1024} bytes, more than the ${16 * 1024 * 1024} a config file may have [max-size]`);
    // Over the cap in all (the 50 MB config of issue 10, in includes of 10 MiB each): refused before reading it.
    const parts = [1, 2, 3, 4, 5].map((k) => {
      const f = path.join(inside, `part-${k}.conf`);
      fs.writeFileSync(f, Buffer.alloc(10 * 1024 * 1024, "# filler line of a config file that is far too big\n"));
      return f;
    });
    const t1 = Date.now();
    const big = cli("import", "--dry-run", main("fifty.conf", parts[0]).replace(/$/, ""), ...parts.slice(1));
    expect(big.code).toBe(1);
    expect(big.out, big.out).toMatch(/part-2\.conf: would take this import past 16777216 bytes read in all \[max-total\]/);
    expect(Date.now() - t1).toBeLessThan(20_000);
  });

  it("refuses to render when validation fails, writing nothing", async () => {
    const { prisma } = await import("@/lib/db/client");
    await prisma.job.updateMany({ where: { name: "NightlyBackup" }, data: { storagePolicy: "leastused" } });
    await prisma.$disconnect();
    const out = path.join(dir, "out-bad");
    const r = cli("render", "--out", out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/bacula-dir\/bacula-dir.conf: error: .*StorageGroupPolicy must be written LeastUsed/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
