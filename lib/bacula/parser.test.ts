/**
 * The generic tree: parseTree (text -> resources, ordered items and sub-blocks with positions and
 * issues), renderTree (tree -> text) and checkTree (table-driven checks), on inputs written by
 * Bacula's packagers (Debian's stock configs) as well as small cases.
 */
import fs from "node:fs";
import { minimalDirectorText } from "./testing/minimal-config";
import { describe, expect, it } from "vitest";
import { checkTree } from "./check-tree";
import { parseTree } from "./parser";
import { renderTree } from "./renderer";
import { withoutPos, type ConfigTree } from "./tree";

const strip = (t: ConfigTree): ConfigTree => ({ daemon: t.daemon, resources: t.resources.map((r) => withoutPos(r)) });
/** The Director's checks as validate.ts runs them: Job requirements after JobDefs, SD Device names external. */
const dirOpts = (version?: string) => ({ version, skipRequired: new Set(["Job"]), externalRefs: new Set(["Device"]) });
const rules = (t: ConfigTree, version?: string) => checkTree(t, t.daemon === "dir" ? dirOpts(version) : { version }).map((p) => `${p.rule}:${p.resource}:${p.path}`);

describe("parseTree", () => {
  it("an error inside an address block skips the rest of that block only: the directives after it are read", () => {
    const text = `Director {\n  Name = d\n  DirAddresses = { ip = { addr = 0.0.0.0; port = "bacula-dir" } ipv6 = { addr = ::; } }\n  QueryFile = "/q"\n  WorkingDirectory = /w\n  PidDirectory = /p\n  Password = "x"\n  Messages = M\n}\nMessages {\n  Name = M\n  Console = all\n}\n`;
    const { tree, issues } = parseTree(text, "dir");
    expect(issues.map((i) => `${i.line}:${i.message}`)).toEqual(["3:Director: DirAddresses expected a value for port (unquoted)"]);
    expect(tree.resources[0].items.map((i) => i.name)).toEqual(["Name", "QueryFile", "WorkingDirectory", "PidDirectory", "Password", "Messages"]);
    expect(tree.resources.map((r) => r.type)).toEqual(["Director", "Messages"]);
  });

  it("keeps every resource, directive and sub-block in order, with the table's names and their positions", () => {
    const text = `Director {
  Name = d
}
Job {
  Name = j
  run before job = "/bin/a"
  RunScript {
    Command = "/bin/b"
    Command = "/bin/c"
  }
  ClientRunAfterJob = "/bin/d"
}
`;
    const { tree, issues } = parseTree(text, "dir", { file: "/etc/bacula/bacula-dir.conf" });
    expect(issues).toEqual([]);
    const job = tree.resources[1];
    expect(job.pos).toEqual({ file: "/etc/bacula/bacula-dir.conf", line: 4 });
    expect(job.items.map((i) => `${i.kind}:${i.name}@${i.pos?.line}`)).toEqual([
      "directive:Name@5",
      "directive:RunBeforeJob@6",
      "block:Runscript@7",
      "directive:ClientRunAfterJob@11",
    ]);
    const rs = job.items[2];
    expect(rs.kind === "block" && rs.items.map((i) => (i.kind === "directive" ? i.value : ""))).toEqual(["/bin/b", "/bin/c"]);
  });

  it("keeps the alias keyword of a resource (a Director-side Autochanger) and canonical names otherwise", () => {
    const { tree } = parseTree("autochanger {\n  Name = c\n}\nstorage {\n  Name = s\n}\nFile Set {\n  Name = f\n}\n", "dir");
    expect(tree.resources.map((r) => [r.type, r.keyword])).toEqual([
      ["Storage", "Autochanger"],
      ["Storage", undefined],
      ["Fileset", undefined],
    ]);
    expect(renderTree(tree, { revision: 1 })).toMatch(/^Autochanger \{\n {2}Name = "c"\n\}\n\nStorage \{/m);
  });

  it("reports what Bacula refuses, with file, line, resource and directive, and goes on", () => {
    const text = `Bogus {
  Name = x
}
Pool {
  Name = P
  PoolType = Backup
  Description = "one"
  Description = "two"
  MaximumVolumes = 5
  MaximumVolumes = 6
  Include = yes
}
Fileset {
  Name = F
  Include = {
    File = /etc
  }
}
`;
    const { tree, issues } = parseTree(text, "dir", { file: "f.conf" });
    expect(issues.map((i) => `${i.line}:${i.severity}:${i.message}`)).toEqual([
      "1:error:bacula-dir.conf has no resource type \"Bogus\"; skipped",
      "8:error:Pool: Description is given more than once (Bacula refuses to redefine it)",
      "10:warning:Pool: MaximumVolumes is given more than once; the last one counts",
      "11:error:Pool: unknown directive \"Include\"",
      "15:error:Fileset: Include is written without \"=\" (Include { … })",
    ]);
    expect(issues[1]).toMatchObject({ file: "f.conf", resource: "Pool", name: "P", directive: "Description" });
    // What was read is kept; the last number wins, as in Bacula.
    expect(tree.resources.map((r) => r.type)).toEqual(["Pool", "Fileset"]);
    const pool = tree.resources[0].items.filter((i) => i.kind === "directive").map((i) => (i.kind === "directive" ? `${i.name}=${String(i.value)}` : ""));
    expect(pool).toEqual(["Name=P", "PoolType=Backup", "Description=one", "MaximumVolumes=6"]);
  });

  it("does not echo the file's content in messages (a secret typed as a keyword stays out of logs)", () => {
    const { issues } = parseTree('Director {\n  Name = d\n  s3cr3t-pa55 = x\n  Password = "p" "extra"\n}\n', "dir");
    for (const i of issues) expect(i.message).not.toMatch(/s3cr3t|pa55|extra/);
    expect(issues.length).toBeGreaterThan(0);
  });
});

describe("renderTree ∘ parseTree on Debian's stock configs", () => {
  for (const [file, daemon] of [
    ["/etc/bacula/bacula-dir.conf", "dir"],
    ["/etc/bacula/bacula-sd.conf", "sd"],
    ["/etc/bacula/bacula-fd.conf", "fd"],
    ["/etc/bacula/bconsole.conf", "console"],
  ] as const) {
    it(`${file}: parsed without an issue, rendered, and parsed again to the same tree (and the same text)`, () => {
      const { tree, issues } = parseTree(fs.readFileSync(file, "utf8"), daemon, { file });
      expect(issues).toEqual([]);
      expect(tree.resources.length).toBeGreaterThan(daemon === "console" ? 0 : 3);
      const text = renderTree(tree, { revision: 1 });
      const again = parseTree(text, daemon);
      expect(again.issues).toEqual([]);
      expect(strip(again.tree)).toEqual(strip(tree));
      expect(renderTree(again.tree, { revision: 1 })).toBe(text);
      expect(checkTree(tree, daemon === "dir" ? dirOpts("15.0.3") : { version: "15.0.3" }).filter((p) => p.severity === "error")).toEqual([]);
    });
  }
});

describe("checkTree", () => {
  const base = minimalDirectorText();
  const tree = (extra: string) => {
    const r = parseTree(base + extra, "dir");
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    return r.tree;
  };

  it("passes a complete minimal Director", () => {
    expect(checkTree(tree(""), dirOpts("15.0.3"))).toEqual([]);
    // Without being told, the SD's Device names are references to nothing in this file.
    expect(checkTree(tree(""), { version: "15.0.3", skipRequired: new Set(["Job"]) }).map((p) => p.rule)).toEqual(["dangling-reference"]);
  });

  it("flags duplicates, dangling references, a second Director, and what the version lacks", () => {
    const t = tree(`Pool {\n  Name = P\n  PoolType = Backup\n  NextPool = Nope\n  StorageGroupPolicyThreshold = 10G\n}\nDirector {\n  Name = d2\n  Password = "p"\n  QueryFile = "/q"\n  WorkingDirectory = "/w"\n  PidDirectory = "/p"\n  Messages = M\n}\n`);
    expect(rules(t, "13.0.3").sort()).toEqual([
      "dangling-reference:Pool:NextPool",
      "duplicate-name:Pool:Name",
      "single:Config:Director",
      "version:Pool:StorageGroupPolicyThreshold",
    ]);
    expect(rules(t, "15.0.3")).not.toContain("version:Pool:StorageGroupPolicyThreshold");
    // Both definitions named, the problem at the second (where Bacula stops).
    const dup = checkTree(t, dirOpts("15.0.3")).find((p) => p.rule === "duplicate-name")!;
    const lines = (base + "Pool {").split("\n").length;
    const first = base.split("\n").findIndex((l) => /^Pool \{/.test(l)) + 1;
    expect(dup.message).toBe(`2 Pool resources are named "P": at ${dup.pos!.file}:${first}, ${dup.pos!.file}:${lines}`);
    expect(dup.pos!.line).toBe(lines);
  });

  it("knows where a directive may not be: Plugin in an Exclude (not in its table), a path Bacula would shell-expand", () => {
    const t = tree(`Fileset {\n  Name = G\n  Include {\n    File = /srv\n  }\n  Exclude {\n    File = /srv/tmp\n  }\n}\n`);
    const g = t.resources.find((r) => r.items.some((i) => i.kind === "directive" && i.name === "Name" && i.value === "G"))!;
    const exc = g.items.find((i) => i.kind === "block" && i.name === "Exclude");
    if (exc?.kind === "block") exc.items.push({ kind: "directive", name: "Plugin", value: "bpipe:/x" });
    const d = t.resources[0];
    d.items = d.items.map((i) => (i.kind === "directive" && i.name === "WorkingDirectory" ? { ...i, value: "/var/$USER" } : i));
    expect(rules(t, "15.0.3").sort()).toEqual(["shell-expansion:Director:WorkingDirectory", "unknown-directive:Fileset:Exclude.Plugin"]);
  });

  it("refuses old-style DirPort / DirAddress beside a DirAddresses block, in either order, as Bacula does (the table's excludes)", () => {
    const block = "DirAddresses = { ip = { addr = 127.0.0.1; port = 9199; } }";
    const withLines = (...lines: string[]) => {
      const t = parseTree(base.replace("  Messages = M\n}", `  Messages = M\n${lines.map((l) => `  ${l}\n`).join("")}}`), "dir");
      expect(t.issues.filter((i) => i.severity === "error")).toEqual([]);
      return rules(t.tree, "15.0.3");
    };
    expect(withLines("DirPort = 9101", block)).toEqual(["conflict:Director:DirAddresses"]);
    expect(withLines(block, "DirAddress = 127.0.0.1")).toEqual(["conflict:Director:DirAddresses"]);
    expect(withLines(block, "DirSourceAddress = 127.0.0.1")).toEqual([]);
    expect(withLines("DirPort = 9101", "DirAddress = 127.0.0.1")).toEqual([]);
    const sd = parseTree(`Storage {\n  Name = s\n  WorkingDirectory = "/w"\n  PidDirectory = "/p"\n  SdAddresses = { ip = { port = 9203; } }\n  SdPort = 9103\n}\n`, "sd").tree;
    expect(checkTree(sd, { version: "15.0.3" }).filter((p) => p.rule === "conflict").map((p) => p.message)).toEqual([
      'Storage "s": SdAddresses cannot be combined with SdPort in one resource (Bacula refuses to mix the two)',
    ]);
  });

  it("names items by canonical keyword only: a spelling the table does not have is unknown, not guessed", () => {
    const t = tree("");
    t.resources[0].items.push({ kind: "directive", name: "Maximum Concurrent Jobs", value: 3 });
    expect(rules(t)).toEqual(["unknown-directive:Director:Maximum Concurrent Jobs"]);
    expect(() => renderTree(t, { revision: 1 })).toThrow(/is not a directive of this resource/);
  });
});

describe("a block where a value belongs", () => {
  it("is skipped whole: its words are neither directives nor echoed in a message (they may be a password)", () => {
    const { tree, issues } = parseTree(`Director {\n  Name = d\n  Password = {SECRETbrace more words}\n  Address = x\n}\nFileDaemon {\n  Name = f\n}\n`, "fd", { file: "x" });
    expect(issues.map((i) => `${i.line}: ${i.message}`)).toEqual(["3: Director: Password expected a value, found {"]);
    expect(JSON.stringify(issues)).not.toContain("SECRET");
    expect(tree.resources.map((r) => [r.type, r.items.map((i) => i.name)])).toEqual([["Director", ["Name", "Address"]], ["FileDaemon", ["Name"]]]);
  });
});
