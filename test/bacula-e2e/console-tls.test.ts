/**
 * A Director that requires TLS (the layout of voxpupuli/puppet-bacula: TLS Enable, TLS Require, TLS
 * Verify Peer, the host's CA, certificate and key in the Director resource), imported, then rendered
 * by the dashboard with its own bconsole.conf: a real bacula-dir runs the rendered bacula-dir.conf,
 * and a real bconsole with the rendered bconsole.conf gets an answer. The Director turns TLS-PSK off
 * (with it on, Bacula 15's default, a console without certificates still gets in over PSK): without
 * the TLS lines the same bconsole is refused, so the test proves the Director really requires them. The certificates are
 * made here with openssl (a CA and one host certificate, used by both sides as Puppet does).
 * Fails (never skips) when Bacula or openssl is missing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { minimalDirectorText } from "@/lib/bacula/testing/minimal-config";
import { BACULA_BIN, freePort, makeSqliteCatalog, requireBaculaDaemons, startDaemon, type Daemon } from "./daemons";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigText } = await import("@/lib/config/import-to-db");
const { loadDirectorConfig } = await import("@/lib/config/from-db");
const { loadConsoleConfig } = await import("@/lib/config/fd-from-db");
const { renderDirector, renderConsole, validateConsole } = await import("@/lib/bacula");

let root = "";
let dir: Daemon | undefined;

/** A CA and a certificate for 127.0.0.1 / localhost signed by it (server and client use). */
function makePki(at: string): { ca: string; cert: string; key: string } {
  const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: at, stdio: "pipe" });
  ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=bhd test CA");
  ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "host.key", "-out", "host.csr", "-subj", "/CN=localhost");
  fs.writeFileSync(path.join(at, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
  ossl("x509", "-req", "-in", "host.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "host.pem", "-days", "2", "-extfile", "ext.cnf");
  return { ca: path.join(at, "ca.pem"), cert: path.join(at, "host.pem"), key: path.join(at, "host.key") };
}

function bconsoleRun(configFile: string): { status: number | null; out: string } {
  const r = spawnSync(BACULA_BIN.bconsole, ["-n", "-c", configFile], { input: "version\nquit\n", encoding: "utf8", timeout: 30_000 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

beforeAll(async () => {
  requireBaculaDaemons();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-console-tls-"));
  for (const d of ["pki", "work", "run", "etc"]) fs.mkdirSync(path.join(root, d));
  const pki = makePki(path.join(root, "pki"));
  const port = await freePort();
  makeSqliteCatalog(path.join(root, "work", "b"));
  // The smallest Director Bacula accepts, with voxpupuli's Director resource (TLS on, PSK off); its
  // Catalog's DbName "b" is the SQLite file made above, in the working directory.
  const director = `Director {
    Name                    = tls-dir
    DIRport                 = ${port}
    DirAddress              = 127.0.0.1
    QueryFile               = "/etc/bacula/scripts/query.sql"
    WorkingDirectory        = ${path.join(root, "work")}
    Pid Directory           = ${path.join(root, "run")}
    Maximum Concurrent Jobs = 20
    Password                = "console-tls-pw"  # Console password
    Messages                = M
    TLS Enable              = yes
    TLS Require             = yes
    TLS CA Certificate File = ${pki.ca}
    TLS Certificate         = ${pki.cert}
    TLS Key                 = ${pki.key}
    TLS Verify Peer         = yes
    TLS PSK Enable          = no
}
`;
  const text = minimalDirectorText().replace(/^Director \{[\s\S]*?\n\}\n/, director);
  expect(text.startsWith(director)).toBe(true);
  const report = await importConfigs(prisma, [parseConfigText(text, path.join(root, "etc", "bacula-dir.conf"))]);
  expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
  expect(report.applied).toBe(true);
  const d = await prisma.director.findUniqueOrThrow({ where: { name: "tls-dir" } });
  fs.writeFileSync(path.join(root, "etc", "bacula-dir.conf"), renderDirector(await loadDirectorConfig(prisma, d.id), { revision: 1 }));
  dir = await startDaemon("dir", path.join(root, "etc", "bacula-dir.conf"), port, root);
}, 120_000);

afterAll(async () => {
  await dir?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("the dashboard's bconsole.conf for a Director that requires TLS", () => {
  it("carries the Director's TLS lines, and a real bconsole with it gets the Director's answer; without them it is refused", async () => {
    const d = await prisma.director.findUniqueOrThrow({ where: { name: "tls-dir" } });
    const cfg = await loadConsoleConfig(prisma, d.id);
    expect(validateConsole(cfg).filter((p) => p.severity === "error")).toEqual([]);
    const rendered = renderConsole(cfg, { revision: 1 });
    for (const line of [/^\s*TlsEnable = yes$/m, /^\s*TlsRequire = yes$/m, /^\s*TlsCaCertificateFile = .*ca\.pem"?$/m, /^\s*TlsCertificate = .*host\.pem"?$/m, /^\s*TlsKey = .*host\.key"?$/m])
      expect(rendered).toMatch(line);
    // The Director resource's server-side TLS lines are not the console's (bconsole refuses them).
    expect(rendered).not.toMatch(/TlsVerifyPeer/);
    expect(rendered).toMatch(/^\s*TlsPskEnable = no$/m);
    const withTls = path.join(root, "etc", "bconsole.conf");
    fs.writeFileSync(withTls, rendered);
    const ok = bconsoleRun(withTls);
    expect(ok.out).toMatch(/tls-dir Version: 15\./);

    // The same file without its TLS lines: the Director requires TLS and refuses it.
    const plain = path.join(root, "etc", "bconsole-plain.conf");
    fs.writeFileSync(plain, rendered.split("\n").filter((l) => !/^\s*Tls/.test(l)).join("\n"));
    const refused = bconsoleRun(plain);
    expect(refused.out).not.toMatch(/tls-dir Version/);
  }, 60_000);
});
