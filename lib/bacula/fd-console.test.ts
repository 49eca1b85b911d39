/**
 * bacula-fd.conf and bconsole.conf from the typed model, judged by Bacula's own parsers (bfdjson,
 * bbconsjson of Debian's 15.0.3): what is rendered is accepted and read back as modelled, the tree
 * checks refuse what Bacula refuses, and nothing typed can add a directive.
 */
import { describe, expect, it } from "vitest";
import { parseTree } from "./parser";
import { renderConsole, renderFileDaemon, validateConsole, validateFileDaemon, type ConsoleConfig, type FileDaemonConfig } from "./fd-console";
import { withoutPos } from "./tree";
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
});
