import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeDirector, normalizeStorageDaemon, type DirectorConfig } from "./model";
import { parseDirector, parseStorageDaemon } from "./parse";
import { renderDirector, renderStorageDaemon } from "./render";
import { demoDirector, demoSd1, demoSd2 } from "./testing/fixtures";
import { checkText } from "./values";

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
    expect(config.filesets[0]).toEqual({
      name: "Full Set",
      signature: "MD5",
      compression: "GZIP9",
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
    expect(issues).toEqual([
      expect.objectContaining({ file: "/etc/bacula/bacula-dir.conf", line: 3, message: expect.stringMatching(/Bogus Thing/) }),
      expect.objectContaining({ line: 5, message: expect.stringMatching(/Console/) }),
      expect.objectContaining({ line: 13, message: expect.stringMatching(/integer/) }),
    ]);
    expect(config.pools).toEqual([{ name: "P", poolType: "Backup", storage: ["A", "B"] }]);
  });

  it("keeps a non-canonical policy spelling as written, with a warning", () => {
    const { config, issues } = parseDirector("Director {\n Name = d\n}\nPool {\n Name = P\n StorageGroupPolicy = leastused\n}\n");
    expect(config.pools[0].storageGroupPolicy).toBe("leastused");
    expect(issues[0]).toMatchObject({ line: 6, severity: "warning", message: expect.stringMatching(/LeastUsed/) });
  });

  it("follows @includes through readFile, reporting lines in the included file", () => {
    const files: Record<string, string> = {
      "/etc/bacula/conf.d/pools.conf": "Pool {\n  Name = P\n  Nonsense = 1\n}\n",
      "/etc/bacula/conf.d/jobs.conf": "@/etc/bacula/conf.d/pools.conf\n",
    };
    const text = "Director {\n  Name = d\n}\n@/etc/bacula/conf.d/jobs.conf\n@\"/etc/bacula/missing.conf\"\n";
    const { config, issues } = parseDirector(text, {
      readFile: (p) => {
        if (!(p in files)) throw new Error("ENOENT");
        return files[p];
      },
    });
    expect(config.pools.map((p) => p.name)).toEqual(["P"]);
    expect(issues).toHaveLength(2);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: "/etc/bacula/conf.d/pools.conf", line: 3 }),
        expect.objectContaining({ file: "bacula-dir.conf", line: 5, message: expect.stringMatching(/missing\.conf.*ENOENT/) }),
      ]),
    );
  });

  it("reports include cycles", () => {
    const files: Record<string, string> = { "/a.conf": "@/b.conf\n", "/b.conf": "@/a.conf\nPool {\n Name = P\n}\n" };
    const { config, issues } = parseDirector("Director {\n Name = d\n}\n@/a.conf\n", { readFile: (p) => files[p] });
    expect(config.pools).toHaveLength(1);
    expect(issues).toEqual([expect.objectContaining({ file: "/b.conf", line: 1, message: "include cycle: /a.conf -> /b.conf -> /a.conf" })]);
    expect(parseDirector("@x\n").issues.map((i) => i.message)).toContain('include "x" not read: no readFile function given');
  });

  it("reports an unterminated block and a missing Director", () => {
    const { issues } = parseDirector("Pool {\n Name = P\n");
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/missing closing/), "no Director resource"]);
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
    const { config } = parseDirector(text);
    expect(config.storages[0]).toEqual({
      name: "File1", address: "localhost", sdPort: 9103, password: "pw", device: "FileChgr1", mediaType: "File1", maxConcurrentJobs: 10, autochanger: "File1",
    });
    expect(config.schedules[0].run).toEqual(["Full 1st sun at 23:05", "Differential 2nd-5th sun at 23:05"]);
    expect(config.clients[0]).toMatchObject({ fileRetention: "60 days", jobRetention: "6 months" });
  });
});

describe("round trip: parse(render(x)) deep-equals x", () => {
  it("demo Director", () => {
    const x = demoDirector(dirs);
    const { config, issues } = parseDirector(renderDirector(x, { revision: 1 }));
    expect(issues).toEqual([]);
    expect(config).toEqual(x);
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
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ unit: "grapheme", maxLength: 30 }), (a, b) => {
        fc.pre(checkText(a) === null && checkText(b) === null);
        const x = demoDirector(dirs);
        x.jobs[0].description = a;
        x.jobs[0].run = [a, b];
        x.clients[0].password = b;
        x.filesets[0].include = [a, b];
        x.messages[0].destinations![0].where = b.length > 0 && Buffer.byteLength(b) <= 127 ? b : "root";
        const { config, issues } = parseDirector(renderDirector(x, { revision: 1 }));
        expect(issues).toEqual([]);
        expect(config).toStrictEqual(normalizeDirector(x));
      }),
      { numRuns: 200 },
    );
  });
});
