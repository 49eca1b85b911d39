/**
 * `@` includes as the importer resolves them (includes.ts): files relative to the including file,
 * the usual piped include that lists a directory read as that directory's files (no shell run),
 * every other piped include refused, with the file and line of the include in the parse issues.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDirector, pipedIncludeGlob } from "@/lib/bacula/parse";
import { makeBaculaTempDir, resourcesOf, runBdirjson } from "@/lib/bacula/testing/bacula-bin";
import { minimalDirectorText } from "@/lib/bacula/testing/minimal-config";
import { asOneStream, includeResolver, type FileAccess } from "./includes";

/** An in-memory file system: absolute path -> text; directories are the paths' parents. */
function memory(files: Record<string, string>): FileAccess & { listed: string[] } {
  const listed: string[] = [];
  return {
    listed,
    readFile(abs) {
      if (!(abs in files)) throw new Error("ENOENT");
      return files[abs];
    },
    listDir(abs) {
      listed.push(abs);
      const prefix = abs.endsWith("/") ? abs : abs + "/";
      const names = Object.keys(files)
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"))
        .map((p) => p.slice(prefix.length));
      if (names.length === 0) throw new Error("ENOENT");
      return names;
    },
  };
}

const CMD = "sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @${f} ; done'";
const PIPED = `@|"${CMD}"`;

describe("pipedIncludeGlob", () => {
  it("recognises the usual directory listing, in its common spellings", () => {
    for (const cmd of [
      "sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @${f} ; done'",
      "/bin/sh -c 'for f in /etc/bacula/conf.d/*.conf; do echo @$f; done'",
      'bash -c "for i in /etc/bacula/conf.d/*.conf ; do echo @${i} ; done"',
      "sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo \"@${f}\" ; done'",
    ]) {
      const g = pipedIncludeGlob(cmd);
      expect(g, cmd).toBeDefined();
      expect(g!.dir).toBe("/etc/bacula/conf.d");
      expect(g!.glob).toBe("*.conf");
      expect(g!.pattern.test("jobs.conf")).toBe(true);
      expect(g!.pattern.test("jobs.conf.bak")).toBe(false);
      expect(g!.pattern.test("sub/jobs.conf")).toBe(false);
    }
  });

  it("refuses anything else: other commands, extra statements, relative or wildcard directories", () => {
    for (const cmd of [
      "cat /etc/bacula/extra.conf",
      "sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @${f} ; done; rm -rf /'",
      "sh -c 'for f in /etc/bacula/conf.d/*.conf ; do cat ${f} ; done'",
      "sh -c 'for f in conf.d/*.conf ; do echo @${f} ; done'",
      "sh -c 'for f in /etc/*/conf.d/*.conf ; do echo @${f} ; done'",
      "sh -c 'for f in /etc/bacula/conf.d/[a-z]*.conf ; do echo @${f} ; done'",
      "sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @${g} ; done'",
      "sh -c 'for f in $(ls /etc/bacula) ; do echo @${f} ; done'",
    ])
      expect(pipedIncludeGlob(cmd), cmd).toBeUndefined();
  });
});

describe("includeResolver", () => {
  const files = {
    "/etc/bacula/bacula-dir.conf": "",
    "/etc/bacula/conf.d/b.conf": "Pool {\n  Name = B\n  PoolType = Backup\n}\n",
    "/etc/bacula/conf.d/a.conf": "Pool {\n  Name = A\n  PoolType = Backup\n}\n",
    "/etc/bacula/conf.d/Z.conf": "Pool {\n  Name = Z\n  PoolType = Backup\n}\n",
    "/etc/bacula/conf.d/.hidden.conf": "Pool {\n  Name = Hidden\n  PoolType = Backup\n}\n",
    "/etc/bacula/conf.d/notes.txt": "not a config",
    "/etc/bacula/pools.conf": "Pool {\n  Name = P\n  PoolType = Backup\n}\n",
  };

  it("reads the listed directory's matching files in the shell's C-locale order, without dot files", () => {
    const access = memory(files);
    const r = includeResolver(access)(`|${CMD}`, "/etc/bacula/bacula-dir.conf");
    expect(r.kind).toBe("files");
    if (r.kind !== "files") return;
    expect(r.files.map((f) => f.name)).toEqual(["/etc/bacula/conf.d/Z.conf", "/etc/bacula/conf.d/a.conf", "/etc/bacula/conf.d/b.conf"]);
    expect(r.files[1].text).toBe(files["/etc/bacula/conf.d/a.conf"]);
    expect(access.listed).toEqual(["/etc/bacula/conf.d"]);
  });

  it("takes a relative path from the including file's directory", () => {
    const r = includeResolver(memory(files))("pools.conf", "/etc/bacula/bacula-dir.conf");
    expect(r).toEqual({ kind: "files", files: [{ name: "/etc/bacula/pools.conf", text: files["/etc/bacula/pools.conf"] }] });
    const missing = includeResolver(memory(files))("nope.conf", "/etc/bacula/bacula-dir.conf");
    expect(missing).toEqual({ kind: "error", message: "cannot read the included file /etc/bacula/nope.conf: ENOENT" });
  });

  it("through the parser: the piped include reads as the directory's files; any other is refused with file and line", () => {
    const access = memory(files);
    const include = includeResolver(access);
    const text = `Director {\n  Name = d\n}\n${PIPED}\n@|"ls /etc/bacula" # a comment after it\n@pools.conf # trailing comment\n`;
    const { config, issues } = parseDirector(text, { file: "/etc/bacula/bacula-dir.conf", include });
    expect(config.pools.map((p) => p.name)).toEqual(["Z", "A", "B", "P"]);
    expect(issues).toEqual([
      expect.objectContaining({ file: "/etc/bacula/bacula-dir.conf", line: 5, severity: "error", message: expect.stringMatching(/piped include .* is not run by the importer/) }),
    ]);
    expect(config.pools.map((p) => p.name)).not.toContain("Hidden");
  });

  it("reads the other usual piped include, cat of files and patterns, as those files in order; an unmatched pattern is said, as Bacula reads nothing from it", () => {
    const access = memory(files);
    const include = includeResolver(access);
    const text = `Director {\n  Name = d\n}\n@|"sh -c 'cat /etc/bacula/conf.d/*.conf /etc/bacula/pools.conf'"\n@|"sh -c 'cat /etc/bacula/conf.d/*.cf'"\n`;
    const { config, issues } = parseDirector(text, { file: "/etc/bacula/bacula-dir.conf", include });
    expect(config.pools.map((p) => p.name)).toEqual(["Z", "A", "B", "P"]);
    expect(issues).toEqual([expect.objectContaining({ line: 5, severity: "warning", message: "the piped include's cat reads no file for /etc/bacula/conf.d/*.cf: Bacula reads nothing from it" })]);
    // Without a shell, `cat FILE` reads the file; a file it cannot read is an error, as an @ include's.
    expect(includeResolver(memory(files))("|cat /etc/bacula/pools.conf", "/etc/bacula/bacula-dir.conf")).toEqual({ kind: "files", files: [{ name: "/etc/bacula/pools.conf", text: files["/etc/bacula/pools.conf"] }] });
    expect(includeResolver(memory(files))("|sh -c 'cat /etc/bacula/none.conf'", "/etc/bacula/bacula-dir.conf")).toEqual({ kind: "error", message: "cannot read the file /etc/bacula/none.conf that the piped include reads with cat: ENOENT" });
    // Anything else around the cat is still refused.
    for (const cmd of ["sh -c 'cat /etc/bacula/pools.conf; rm -rf /'", "sh -c 'cat /etc/bacula/$(id).conf'", "sh -c 'cat -n /etc/bacula/pools.conf'", "cat /etc/bacula/conf.d/*.conf", "sh -c 'cat /etc/*/pools.conf'", "sh -c 'cat /etc/bacula/pools.conf | sh'"])
      expect(includeResolver(memory(files))(`|${cmd}`, "/etc/bacula/bacula-dir.conf"), cmd).toMatchObject({ kind: "error", message: expect.stringMatching(/is not run by the importer/) });
  });

  it("matches dot files only with a pattern that starts with a dot, as the shell does; a listed name with a blank is refused, as Bacula fails on it", () => {
    const r = includeResolver(memory(files))("|sh -c 'cat /etc/bacula/conf.d/.*.conf'", "/etc/bacula/bacula-dir.conf");
    expect(r).toMatchObject({ kind: "files", files: [{ name: "/etc/bacula/conf.d/.hidden.conf" }] });
    const l = includeResolver(memory(files))("|sh -c 'for f in /etc/bacula/conf.d/.*.conf ; do echo @${f} ; done'", "/etc/bacula/bacula-dir.conf");
    expect(l).toMatchObject({ kind: "files", files: [{ name: "/etc/bacula/conf.d/.hidden.conf" }] });
    const spaced = memory({ "/etc/bacula/sp/a.conf": "", "/etc/bacula/sp/c d.conf": "Pool {\n  Name = CD\n  PoolType = Backup\n}\n" });
    expect(includeResolver(spaced)("|sh -c 'for f in /etc/bacula/sp/*.conf ; do echo @${f} ; done'", "/etc/bacula/bacula-dir.conf")).toEqual({
      kind: "error",
      message: 'the piped include lists /etc/bacula/sp/c d.conf, whose name holds a blank: Bacula reads "@/etc/bacula/sp/c" and stops ("Cannot open included config file"); rename the file, or include it with @"…"',
    });
    // cat takes it whole.
    expect(includeResolver(spaced)("|sh -c 'cat /etc/bacula/sp/*.conf'", "/etc/bacula/bacula-dir.conf")).toMatchObject({ kind: "files", files: [{ name: "/etc/bacula/sp/a.conf" }, { name: "/etc/bacula/sp/c d.conf" }] });
  });

  it("reports a directory it cannot list, naming it", () => {
    const r = includeResolver(memory(files))("|sh -c 'for f in /srv/none/*.conf ; do echo @${f} ; done'", "/etc/bacula/bacula-dir.conf");
    expect(r).toEqual({ kind: "error", message: "cannot list /srv/none for the piped include: ENOENT" });
  });
});

describe("includes that never end", () => {
  const issuesOf = (files: Record<string, string>, main: string) =>
    parseDirector(files[main], { file: main, include: includeResolver(memory(files)) }).issues.map((i) => ({ file: i.file, line: i.line, message: i.message }));

  it("a file that includes itself, directly or through another, is refused at the include, with the chain", () => {
    const self = issuesOf({ "/etc/bacula/a.conf": "Pool {\n  Name = P\n}\n@/etc/bacula/a.conf\n" }, "/etc/bacula/a.conf");
    expect(self).toContainEqual({ file: "/etc/bacula/a.conf", line: 4, message: expect.stringMatching(/^\/etc\/bacula\/a\.conf includes itself \(through \/etc\/bacula\/a\.conf\)/) });
    const loop = issuesOf({ "/etc/bacula/a.conf": "@/etc/bacula/b.conf\n", "/etc/bacula/b.conf": "\n@/etc/bacula/a.conf\n" }, "/etc/bacula/a.conf");
    expect(loop).toContainEqual({ file: "/etc/bacula/b.conf", line: 2, message: expect.stringContaining("includes itself (through /etc/bacula/a.conf -> /etc/bacula/b.conf)") });
  });

  it("includes that fan out (each file including the next one twice, 30 levels) stop at the cap, fast, said once", () => {
    const files: Record<string, string> = { "/etc/bacula/bacula-dir.conf": "@/etc/bacula/inc/c0\n" };
    for (let i = 0; i < 30; i++) files[`/etc/bacula/inc/c${i}`] = `# level ${i}\n@/etc/bacula/inc/c${i + 1}\n@/etc/bacula/inc/c${i + 1}\n`;
    files["/etc/bacula/inc/c30"] = "Pool {\n  Name = P\n}\n";
    const t0 = performance.now();
    const issues = issuesOf(files, "/etc/bacula/bacula-dir.conf");
    expect(performance.now() - t0).toBeLessThan(5000);
    const capped = issues.filter((i) => /read more than 10000 files or 16 MiB/.test(i.message));
    expect(capped).toHaveLength(1);
  });
});

describe("a piped directory listing that matches nothing", () => {
  it("is an error, as Bacula fails to open the unmatched pattern the shell echoes", () => {
    const r = includeResolver(memory({ "/etc/bacula/conf.d/README": "x" }))(`|sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @\${f} ; done'`, "/etc/bacula/bacula-dir.conf");
    expect(r).toEqual({ kind: "error", message: expect.stringMatching(/^the piped include lists no file of \/etc\/bacula\/conf\.d \(Bacula stops there/) });
  });
});

describe("a cat of files, read as the one stream Bacula reads", () => {
  it("a file without a final line end runs on into the next one's first line, as bdirjson reads the same files through its shell", () => {
    const dirs = makeBaculaTempDir("bhd-cat-");
    try {
      const conf = path.join(dirs.root, "pools");
      fs.mkdirSync(conf);
      // a.conf ends with a comment and no line end: b.conf's one-line Pool is part of that comment.
      // c.conf ends inside a word; d.conf's first line finishes it (the Pool is "Joined").
      // e.conf is empty; f.conf is one line without a line end, and g.conf goes on from it.
      const parts: Record<string, string> = {
        "a.conf": "Pool {\n  Name = A\n  Pool Type = Backup\n}\n# vim: set ft=bacula:",
        "b.conf": "Pool { Name = Swallowed; Pool Type = Backup }\nPool {\n  Name = B\n  Pool Type = Backup\n}\n",
        "c.conf": "Pool {\n  Name = Jo",
        "d.conf": "ined\n  Pool Type = Backup\n}\n",
        "e.conf": "",
        "f.conf": "Pool { Name = F; Pool Type = Backup",
        "g.conf": " }\nPool {\n  Name = G\n  Pool Type = Backup\n}\n",
      };
      for (const [n, t] of Object.entries(parts)) fs.writeFileSync(path.join(conf, n), t);
      const text = minimalDirectorText({ work: dirs.work, run: dirs.run, after: `@|"sh -c 'cat ${conf}/*.conf'"\n` });
      const file = path.join(dirs.root, "bacula-dir.conf");
      fs.writeFileSync(file, text);
      const bacula = runBdirjson(text);
      expect(bacula.code, bacula.stdout).toBe(0);
      const baculaPools = resourcesOf(bacula.json, "Pool").map((p) => p.Name);
      const access: FileAccess = { readFile: (p) => fs.readFileSync(p, "utf8"), listDir: (p) => fs.readdirSync(p) };
      const { config, issues } = parseDirector(text, { file, include: includeResolver(access) });
      expect(issues.filter((i) => i.severity === "error")).toEqual([]);
      // (bdirjson lists resources by name)
      expect([...config.pools.map((p) => p.name)].sort()).toEqual([...baculaPools].sort());
      expect(config.pools.map((p) => p.name)).toEqual(["P", "A", "B", "Joined", "F", "G"]);
      // Each file keeps its own lines in messages: B is at line 2 of b.conf.
      const b = parseDirector(text, { file, include: includeResolver(access) }).tree.resources.find((r) => r.items.some((i) => i.kind === "directive" && i.value === "B"));
      expect(b?.pos).toMatchObject({ file: path.join(conf, "b.conf"), line: 2 });
    } finally {
      dirs.cleanup();
    }
  });

  it("the listing form (echo @${f}) stays one include per file: a last-line comment ends with its file", () => {
    const files = { "/etc/bacula/conf.d/a.conf": "Pool {\n  Name = A\n}\n# the end", "/etc/bacula/conf.d/b.conf": "Pool { Name = B }\n" };
    expect(includeResolver(memory(files))(`|${CMD}`, "/etc/bacula/bacula-dir.conf")).toEqual({ kind: "files", files: [
      { name: "/etc/bacula/conf.d/a.conf", text: files["/etc/bacula/conf.d/a.conf"] },
      { name: "/etc/bacula/conf.d/b.conf", text: files["/etc/bacula/conf.d/b.conf"] },
    ] });
    // The same files through cat: b.conf's first line moves into a.conf's last, and an empty line keeps b.conf's numbering.
    expect(asOneStream([{ name: "a", text: "x\n# c" }, { name: "b", text: "y\nz\n" }])).toEqual([{ name: "a", text: "x\n# cy" }, { name: "b", text: "\nz\n" }]);
  });
});
