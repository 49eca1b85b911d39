/**
 * bacula-fd.conf and bconsole.conf from the typed model, judged by Bacula's own parsers (bfdjson,
 * bbconsjson of Debian's 15.0.3): what is rendered is accepted and read back as modelled, the tree
 * checks refuse what Bacula refuses, and nothing typed can add a directive.
 */
import { describe, expect, it } from "vitest";
import { parseTree } from "./parser";
import { consoleTlsFrom, renderConsole, renderFileDaemon, validateConsole, validateFileDaemon, type ConsoleConfig, type FileDaemonConfig } from "./fd-console";
import { withoutPos, type Item, type ResourceNode } from "./tree";
import { treeToTyped } from "./typed";
import { resourcesOf, runBaculaJson } from "./testing/bacula-bin";

const fd = (): FileDaemonConfig => ({
  version: "15.0.3",
  fileDaemon: { name: "client1-fd", address: "127.0.0.1", port: 19102, workingDirectory: "/tmp", pidDirectory: "/tmp", maxConcurrentJobs: 7, messages: "Standard" },
  directors: [
    { name: "dir-a", password: 'pw "a" \\ b' },
    { name: "dir-b", password: "pw-b", extra: [{ kind: "directive", name: "TlsEnable", value: false }] },
    { name: "monitor", password: "mon", monitor: true },
  ],
  messages: [{ name: "Standard", destinations: [{ kind: "director", where: "dir-a", types: ["all", "!skipped", "!restored"] }] }],
});

describe("bacula-fd.conf", () => {
  it("renders what bfdjson accepts, with every Director and its password as modelled", () => {
    const text = renderFileDaemon(fd(), { revision: 4 });
    expect(validateFileDaemon(fd()).filter((p) => p.severity === "error")).toEqual([]);
    const r = runBaculaJson("bfdjson", text);
    expect(r.code, r.stdout).toBe(0);
    const dirs = resourcesOf(r.json, "Director");
    expect(dirs.map((d) => [d.Name, d.Password, d.Monitor ?? false])).toEqual([
      ["dir-a", 'pw "a" \\ b', false],
      ["dir-b", "pw-b", false],
      ["monitor", "mon", true],
    ]);
    const [daemon] = resourcesOf(r.json, "FileDaemon");
    expect([daemon.Name, daemon.FdPort, daemon.FdAddress, daemon.MaximumConcurrentJobs]).toEqual(["client1-fd", 19102, "127.0.0.1", 7]);
    expect(runBaculaJson("bfdjson", text, { test: true }).code).toBe(0);
  });

  it("reads back into the same typed config (parser -> typed view)", () => {
    const cfg = fd();
    const { tree } = parseTree(renderFileDaemon(cfg, { revision: 1 }), "fd");
    const { typed, others } = treeToTyped({ daemon: "fd", resources: tree.resources.map((r) => withoutPos(r)) });
    expect(others).toEqual([]);
    expect(typed.fileDaemon).toEqual([cfg.fileDaemon]);
    expect(typed.directors).toEqual(cfg.directors);
    expect(typed.messages).toEqual(cfg.messages);
  });

  it("refuses what Bacula refuses: no Director, a missing password, an unknown directive", () => {
    const bad = fd();
    bad.directors = [];
    expect(validateFileDaemon(bad).map((p) => `${p.field}:${p.rule}`)).toContain("Director:min-count");
    expect(runBaculaJson("bfdjson", renderFileDaemon(bad, { revision: 1 }), { test: true }).code).toBe(1);
    const nopw = fd();
    nopw.directors[0].password = undefined;
    expect(validateFileDaemon(nopw).filter((p) => p.name === "dir-a").map((p) => `${p.field}:${p.rule}`)).toContain("password:required");
    const unknown = fd();
    unknown.fileDaemon.extra = [{ kind: "directive", name: "QueryFile", value: "/x" }];
    expect(validateFileDaemon(unknown).map((p) => p.rule)).toContain("unknown-directive");
  });

  it("a value with a line break cannot add a directive", () => {
    const evil = fd();
    evil.directors[0].password = "x\n}\nDirector {\n  Name = evil";
    expect(() => renderFileDaemon(evil, { revision: 1 })).toThrow();
  });
});

describe("bconsole.conf", () => {
  const cons = (): ConsoleConfig => ({ directors: [{ name: "dir-a", address: "127.0.0.1", port: 19101, password: "secret" }] });
  it("renders what bbconsjson accepts", () => {
    const text = renderConsole(cons(), { revision: 2 });
    expect(validateConsole(cons(), "15.0.3")).toEqual([]);
    const r = runBaculaJson("bbconsjson", text);
    expect(r.code, r.stdout).toBe(0);
    expect(resourcesOf(r.json, "Director").map((d) => [d.Name, d.Address, d.DirPort, d.Password])).toEqual([["dir-a", "127.0.0.1", 19101, "secret"]]);
  });
  it("refuses a Director without its address (bconsole needs it)", () => {
    const c = cons();
    c.directors[0].address = undefined;
    expect(validateConsole(c).map((p) => `${p.field}:${p.rule}`)).toContain("address:required");
    expect(runBaculaJson("bbconsjson", renderConsole(c, { revision: 1 }), { test: true }).code).toBe(1);
  });

  // Every combination of the TLS lines that decide it, on the Director resource and on a Console
  // resource: validateConsole refuses exactly what bbconsjson -t refuses.
  it("refuses TLS without a CA store where bbconsjson -t does, on a Director and on a Console resource", () => {
    const flags = ["TlsEnable", "TlsAuthenticate", "TlsRequire"] as const;
    const cases: { items: Item[]; on: "Director" | "Console" }[] = [];
    for (const on of ["Director", "Console"] as const)
      for (let mask = 0; mask < 16; mask++) {
        const items: Item[] = flags.filter((_, i) => mask & (1 << i)).map((name) => ({ kind: "directive", name, value: true }));
        if (mask & 8) items.push({ kind: "directive", name: "TlsCaCertificateFile", value: "/nonexistent/ca.pem" });
        cases.push({ items, on });
      }
    let refused = 0;
    for (const c of cases) {
      const cfg = cons();
      if (c.on === "Director") cfg.directors[0].extra = c.items;
      else cfg.others = [{ type: "Console", items: [{ kind: "directive", name: "Name", value: "op" }, { kind: "directive", name: "Password", value: "op-pw" }, ...c.items] } satisfies ResourceNode];
      const ours = validateConsole(cfg).filter((p) => p.severity === "error");
      const bacula = runBaculaJson("bbconsjson", renderConsole(cfg, { revision: 1 }), { test: true });
      expect(ours.length > 0, `${c.on} ${c.items.map((i) => i.name).join(",")}: ours ${JSON.stringify(ours)}, bbconsjson ${bacula.code} ${bacula.stdout}`).toBe(bacula.code !== 0);
      if (ours.length > 0) {
        refused++;
        expect(ours[0]).toMatchObject({ rule: "tls-ca" });
        expect(ours[0].message).toMatch(/neither TLS CA Certificate File nor TLS CA Certificate Dir is given/);
      }
    }
    // Director: 6 of its 8 CA-less cases (TLS Enable or Authenticate); Console: 7 (any of the three).
    expect(refused).toBe(13);
  });

  it("takes the Director resource's TLS lines that bconsole has, and leaves TLS Enable to PSK where the Director gives no CA", () => {
    const dir: Item[] = [
      { kind: "directive", name: "TlsEnable", value: true },
      { kind: "directive", name: "TlsRequire", value: true },
      { kind: "directive", name: "TlsVerifyPeer", value: true },
      { kind: "directive", name: "TlsAllowedCn", value: ["console.example.org"] },
      { kind: "directive", name: "TlsCaCertificateFile", value: "/etc/bacula/ssl/ca.pem" },
      { kind: "directive", name: "TlsCertificate", value: "/etc/bacula/ssl/host.pem" },
      { kind: "directive", name: "TlsKey", value: "/etc/bacula/ssl/host.key" },
      { kind: "directive", name: "TlsDhFile", value: "/etc/bacula/ssl/dh.pem" },
      { kind: "directive", name: "MaximumConcurrentJobs", value: 20 },
    ];
    expect(consoleTlsFrom(dir).map((i) => i.name)).toEqual(["TlsEnable", "TlsRequire", "TlsCaCertificateFile", "TlsCertificate", "TlsKey"]);
    const noCa = dir.filter((i) => i.name !== "TlsCaCertificateFile");
    expect(consoleTlsFrom(noCa).map((i) => i.name)).toEqual(["TlsRequire", "TlsCertificate", "TlsKey"]);
    // With PSK off nothing else could carry it: kept, and refused with its rule.
    const pskOff: Item[] = [...noCa, { kind: "directive", name: "TlsPskEnable", value: false }];
    const cfg = cons();
    cfg.directors[0].extra = consoleTlsFrom(pskOff);
    expect(validateConsole(cfg).map((p) => `${p.field}:${p.rule}`)).toEqual(["directives.TlsEnable:tls-ca"]);
    expect(consoleTlsFrom(undefined)).toEqual([]);
  });
});
