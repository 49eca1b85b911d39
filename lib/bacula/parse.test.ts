import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkTree } from "./check-tree";
import type { IncludeResult } from "./lexer";
import { normalizeDirector, normalizeStorageDaemon, type DirectorConfig } from "./model";
import { parseDirector, parseStorageDaemon } from "./parse";
import { renderDirector, renderResource, renderStorageDaemon } from "./render";
import { findDirective, findResource } from "./tables";
import { demoDirector, demoSd1, demoSd2 } from "./testing/fixtures";
import { valueProblem } from "./stores";

/** An include hook over in-memory files, as lib/config/includes.ts gives the parser real ones. */
function filesHook(files: Record<string, string>) {
  return (target: string): IncludeResult =>
    target in files ? { kind: "files", files: [{ name: target, text: files[target] }] } : { kind: "error", message: `cannot read the included file ${target}: ENOENT` };
}

const dirs = { work: "/var/lib/bacula", run: "/run/bacula" };

describe("parser", () => {
  it("handles comments, semicolons, escapes, unquoted values and nested blocks", () => {
    const text = `
Director {                            # define myself
  Name = vm-dir
  DIRport = 9101                # where we listen
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "/var/lib/bacula"; PidDirectory = "/run/bacula"
  Maximum Concurrent Jobs = 20
  Password = "a\\"b\\\\c#not-a-comment;still"
  Messages = Daemon
}
Catalog {
  Name = MyCatalog
  dbname = "bacula"; dbuser = "bacula"; dbpassword = "x"
}
FileSet {
  Name = "Full Set"
  Include {
    Options {
      signature = MD5
      compression = gzip9
    }
    File = /usr/sbin
    File = "/home/with space"
  }
  Exclude {
    File = /proc
  }
}
Messages {
  Name = Standard
  mailcommand = "/usr/sbin/bsmtp -h localhost -f \\"\\(Bacula\\) \\<%r\\>\\" %r"
  mail = root@localhost = all, !skipped
  console = all, !skipped, !saved
  director = vm-dir = all
}
Job {
  Name = "Admin"
  Type = admin
  RunScript {
    RunsWhen = before
    RunsOnClient = No
    Command = "/etc/bacula/scripts/x.sh"
  }
  RunScript {
    RunsWhen = After
    Command = "/bin/true"
  }
}
`;
    const { config, issues } = parseDirector(text);
    expect(issues).toEqual([]);
    expect(config.director).toMatchObject({
      name: "vm-dir",
      port: 9101,
      workingDirectory: "/var/lib/bacula",
      pidDirectory: "/run/bacula",
      password: 'a"b\\c#not-a-comment;still',
      maxConcurrentJobs: 20,
      messages: "Daemon",
      version: "15.0.3",
    });
    expect(config.catalogs[0]).toEqual({ name: "MyCatalog", dbName: "bacula", dbUser: "bacula", dbPassword: "x" });
    // Keyword values take the table's spelling (Bacula compares them without case).
    expect(config.filesets[0]).toEqual({
      name: "Full Set",
      signature: "Md5",
      compression: "Gzip9",
      include: ["/usr/sbin", "/home/with space"],
      exclude: ["/proc"],
    });
    expect(config.messages[0].mailCommand).toBe('/usr/sbin/bsmtp -h localhost -f "(Bacula) <%r>" %r');
    expect(config.messages[0].destinations).toEqual([
      { kind: "mail", where: "root@localhost", types: ["all", "!skipped"] },
      { kind: "console", types: ["all", "!skipped", "!saved"] },
      { kind: "director", where: "vm-dir", types: ["all"] },
    ]);
    expect(config.jobs[0]).toEqual({
      name: "Admin",
      type: "Admin",
      runScripts: [
        { runsWhen: "Before", runsOnClient: false, command: "/etc/bacula/scripts/x.sh" },
        { runsWhen: "After", command: "/bin/true" },
      ],
    });
  });

  it("reports unknown directives and resources with file and line, and keeps going", () => {
    const text = 'Director {\n  Name = d\n  Bogus Thing = 3\n}\nConsole {\n  Name = c\n  Password = "x"\n}\nPool {\n  Name = P\n  Pool Type = Backup\n  Storage = A, B\n  Maximum Volumes = many\n}\n';
    const { config, issues } = parseDirector(text, { file: "/etc/bacula/bacula-dir.conf" });
    // The unknown keyword is named the way Bacula's lexer reads it (spaces inside it dropped).
    expect(issues).toEqual([
      { file: "/etc/bacula/bacula-dir.conf", line: 3, severity: "error", message: 'Director: unknown directive "BogusThing"', resource: "Director", name: "d", directive: "BogusThing" },
      expect.objectContaining({ line: 13, severity: "error", resource: "Pool", name: "P", directive: "MaximumVolumes", message: expect.stringMatching(/whole number/) }),
    ]);
    expect(config.pools).toEqual([{ name: "P", poolType: "Backup", storage: ["A", "B"] }]);
    // A Console resource is a Director resource without a typed page: kept whole, in order.
    expect(config.others?.map((o) => [o.type, o.items.map((i) => i.name)])).toEqual([["Console", ["Name", "Password"]]]);
  });

  it("keeps a non-canonical policy spelling as written, with a warning", () => {
    const { config, issues } = parseDirector("Director {\n Name = d\n}\nPool {\n Name = P\n StorageGroupPolicy = leastused\n}\n");
    expect(config.pools[0].storageGroupPolicy).toBe("leastused");
    expect(issues[0]).toMatchObject({ line: 6, severity: "warning", message: expect.stringMatching(/LeastUsed/) });
  });

  it("follows @includes through the include hook, reporting lines in the included file", () => {
    const files: Record<string, string> = {
      "/etc/bacula/conf.d/pools.conf": "Pool {\n  Name = P\n  Nonsense = 1\n}\n",
      "/etc/bacula/conf.d/jobs.conf": "@/etc/bacula/conf.d/pools.conf\n",
    };
    const text = "Director {\n  Name = d\n}\n@/etc/bacula/conf.d/jobs.conf\n@\"/etc/bacula/missing.conf\"\n";
    const calls: string[] = [];
    const hook = filesHook(files);
    const { config, issues, tree } = parseDirector(text, {
      include: (target, from, line) => {
        calls.push(`${from}:${line} -> ${target}`);
        return hook(target);
      },
    });
    expect(calls).toEqual([
      "bacula-dir.conf:4 -> /etc/bacula/conf.d/jobs.conf",
      "/etc/bacula/conf.d/jobs.conf:1 -> /etc/bacula/conf.d/pools.conf",
      "bacula-dir.conf:5 -> /etc/bacula/missing.conf",
    ]);
    expect(config.pools.map((p) => p.name)).toEqual(["P"]);
    expect(tree.resources.find((r) => r.type === "Pool")?.pos).toEqual({ file: "/etc/bacula/conf.d/pools.conf", line: 1 });
    expect(issues).toHaveLength(2);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: "/etc/bacula/conf.d/pools.conf", line: 3, severity: "error", message: 'Pool: unknown directive "Nonsense"' }),
        expect.objectContaining({ file: "bacula-dir.conf", line: 5, severity: "error", message: expect.stringMatching(/missing\.conf.*ENOENT/) }),
      ]),
    );
  });

  it("stops include cycles with an error naming the file and line (Bacula itself recurses until it fails)", () => {
    const files: Record<string, string> = { "/a.conf": "@/b.conf\n", "/b.conf": "@/a.conf\nPool {\n Name = P\n}\n" };
    const { issues } = parseDirector("Director {\n Name = d\n}\n@/a.conf\n", { include: filesHook(files) });
    const errors = issues.filter((i) => i.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: "/b.conf", line: 1, message: "/a.conf includes itself (through bacula-dir.conf -> /a.conf -> /b.conf): Bacula would read it without end" });
    // Without an include hook nothing is read, and the include is reported.
    expect(parseDirector("@x\n").issues).toEqual([expect.objectContaining({ line: 1, severity: "error", message: expect.stringMatching(/not read/) })]);
  });

  it("reports an unterminated block; the missing Director is the tree check's", () => {
    const { issues, tree } = parseDirector("Pool {\n Name = P\n");
    expect(issues).toEqual([expect.objectContaining({ line: 1, severity: "error", message: 'Pool starting on line 1 is not closed (missing "}")' })]);
    const missing = checkTree(tree).filter((p) => p.rule === "min-count").map((p) => p.path);
    expect(missing).toContain("Director");
  });

  it("reads Debian's stock bacula-dir.conf layout (Autochanger resources, one-line Catalog)", () => {
    const text = `Autochanger {
  Name = File1
  Address = localhost                # N.B. Use a fully qualified name here
  SDPort = 9103
  Password = "pw"
  Device = FileChgr1
  Media Type = File1
  Maximum Concurrent Jobs = 10        # run up to 10 jobs a the same time
  Autochanger = File1                 # point to ourself
}
Schedule {
  Name = "WeeklyCycle"
  Run = Full 1st sun at 23:05
  Run = Differential 2nd-5th sun at 23:05
}
Client {
  Name = vm-fd
  File Retention = 60 days            # 60 days
  Job Retention = 6 months            # six months
}`;
    const { config, issues } = parseDirector(text);
    expect(issues).toEqual([]);
    // The keyword is kept: `Autochanger {` is a Storage that is its own autochanger.
    expect(config.storages[0]).toEqual({
      name: "File1", address: "localhost", sdPort: 9103, password: "pw", device: "FileChgr1", mediaType: "File1", maxConcurrentJobs: 10, autochanger: "File1",
      keyword: "Autochanger",
    });
    expect(renderResource("Storage", config.storages[0])).toMatch(/^Autochanger \{\n {2}Name = "File1"\n/);
    expect(config.schedules[0].run).toEqual(["Full 1st sun at 23:05", "Differential 2nd-5th sun at 23:05"]);
    expect(config.clients[0]).toMatchObject({ fileRetention: "60 days", jobRetention: "6 months" });
  });
});

describe("round trip: parse(render(x)) deep-equals x", () => {
  it("demo Director", () => {
    const x = demoDirector(dirs);
    const { config, issues } = parseDirector(renderDirector(x, { revision: 1 }));
    expect(issues).toEqual([]);
    expect(config).toEqual({ ...x, others: [] });
    expect(config).toStrictEqual(normalizeDirector(x));
  });

  it("demo Storage Daemons", () => {
    for (const x of [demoSd1(dirs), demoSd2(dirs)]) {
      const { config, issues } = parseStorageDaemon(renderStorageDaemon(x, { revision: 1 }));
      expect(issues).toEqual([]);
      expect(config).toStrictEqual(normalizeStorageDaemon(x));
    }
  });

  it("empty lists are equivalent to absent ones", () => {
    const x: DirectorConfig = { ...demoDirector(dirs) };
    x.pools = [{ name: "P", storage: [] }];
    x.jobs = [{ name: "J", run: [], runScripts: [] }];
    const { config } = parseDirector(renderDirector(x, { revision: 1 }));
    expect(config).toStrictEqual(normalizeDirector(x));
    expect(config.pools[0]).toStrictEqual({ name: "P" });
  });

  it("random text values survive render and parse", () => {
    const job = findResource("dir", "Job")!;
    const client = findResource("dir", "Client")!;
    const ok = (res: typeof job, name: string, v: string | string[]) => valueProblem(findDirective(res, name)!, v) === null;
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 30 }), (a, b) => {
        // Each value only where the directive's store takes it (a description may hold a line feed, a password not).
        fc.pre(ok(job, "Description", a) && ok(job, "Run", [a]) && ok(job, "Run", [b]) && ok(client, "Password", b) && a !== "" && b !== "");
        const x = demoDirector(dirs);
        x.jobs[0].description = a;
        x.jobs[0].run = [a, b];
        x.clients[0].password = b;
        x.filesets[0].include = [a, b];
        // A mail destination is a comma list of addresses (the typed view joins them with ", ").
        x.messages[0].destinations![0].where = b.trim() === b && b !== "" && !b.includes(",") && Buffer.byteLength(b) <= 127 ? b : "root";
        const { config, issues } = parseDirector(renderDirector(x, { revision: 1 }));
        expect(issues).toEqual([]);
        expect(config).toStrictEqual(normalizeDirector(x));
      }),
      { numRuns: 200 },
    );
  });
});
