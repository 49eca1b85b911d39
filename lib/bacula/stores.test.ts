/**
 * The store functions (stores.ts): how values are read, checked and written. Durations and sizes
 * are proven against Debian's bdirjson 15.0.3 (its JSON view shows seconds and bytes); the other
 * rules are unit checks of what each store refuses.
 */
import { describe, expect, it } from "vitest";
import { minimalDirectorText } from "./testing/minimal-config";
import { Lexer } from "./lexer";
import {
  durationSeconds,
  formatValue,
  MAX_NAME_BYTES,
  MAX_STRING_BYTES,
  nameProblem,
  quote,
  readValue,
  shellProblem,
  sizeBytes,
  StoreValueError,
  textProblem,
  valueProblem,
} from "./stores";
import { findDirective, findResource, INCLUDE_BLOCK, MESSAGES_RESOURCE, OPTIONS_BLOCK } from "./tables";
import type { DirectiveDef } from "./tables/types";
import { makeBaculaTempDir, resourcesOf, runBdirjson } from "./testing/bacula-bin";
import type { Value } from "./tree";

function def(resource: string, directive: string, daemon: "dir" | "sd" = "dir"): DirectiveDef {
  const r = findResource(daemon, resource);
  const d = r && findDirective(r, directive);
  if (!d) throw new Error(`${daemon} ${resource} has no ${directive}`);
  return d;
}

/** Reads `value` after `Keyword =` with the store's reader, as the parser does. */
function read(d: DirectiveDef, text: string) {
  return readValue(new Lexer(text + "\n", "test.conf"), d);
}

const DURATIONS: readonly [string, number | undefined][] = [
  ["365 days", 31536000],
  ["6 months", 15552000],
  ["3 quarters", 23587200],
  ["1 year 6 months", 31536000 + 15552000],
  ["2h30m", 2 * 3600 + 30 * 2592000], // m = months!
  ["2 hours 30 min", 9000],
  ["10 mins", 600],
  ["1 n", 60],
  ["90", 90],
  ["2 w", 1209600],
  ["1 s", 1],
  ["1 secs", undefined],
  ["1 hr", undefined],
  ["1 mons", undefined],
];

const SIZES: readonly [string, number | undefined][] = [
  ["1k", 1024],
  ["1kb", 1000],
  ["50G", 53687091200],
  ["10 GB", 10_000_000_000],
  ["1.5G", 1610612736],
  ["1t", 1099511627776],
  ["500 MB", 500_000_000],
  ["7", 7],
  ["1p", undefined],
];

describe("durations and sizes, as bdirjson 15.0.3 reads them", () => {
  it("matches duration_to_utime and size parsing for every sample (refused ones refused by Bacula too)", () => {
    for (const [t, s] of DURATIONS) expect(durationSeconds(t), t).toBe(s);
    for (const [t, b] of SIZES) expect(sizeBytes(t), t).toBe(b);

    const tmp = makeBaculaTempDir();
    try {
      const base = (pools: string) => minimalDirectorText({ work: tmp.work, run: tmp.run, pools, pool: "P0" });
      const accepted = DURATIONS.filter(([, s]) => s !== undefined);
      const sizes = SIZES.filter(([, b]) => b !== undefined);
      const pools = accepted.map(([t], i) => `Pool {\n  Name = P${i}\n  PoolType = Backup\n  VolumeRetention = ${t}\n${i < sizes.length ? `  MaximumVolumeBytes = ${sizes[i][0]}\n` : ""}}`);
      const r = runBdirjson(base(pools.join("\n")));
      expect(r.code, r.stdout.slice(0, 300)).toBe(0);
      const json = new Map(resourcesOf(r.json, "Pool").map((p) => [p.Name as string, p]));
      accepted.forEach(([t, s], i) => {
        expect(json.get(`P${i}`)?.VolumeRetention, t).toBe(s);
        if (i < sizes.length) expect(json.get(`P${i}`)?.MaximumVolumeBytes, sizes[i][0]).toBe(sizes[i][1]);
      });
      for (const [t] of [...DURATIONS.filter(([, s]) => s === undefined)]) {
        const bad = runBdirjson(base(`Pool {\n  Name = P0\n  PoolType = Backup\n  VolumeRetention = ${t}\n}`), { test: true });
        expect(bad.code, `Bacula takes VolumeRetention = ${t}`).toBe(1);
      }
      for (const [t] of SIZES.filter(([, b]) => b === undefined)) {
        const bad = runBdirjson(base(`Pool {\n  Name = P0\n  PoolType = Backup\n  MaximumVolumeBytes = ${t}\n}`), { test: true });
        expect(bad.code, `Bacula takes MaximumVolumeBytes = ${t}`).toBe(1);
      }
    } finally {
      tmp.cleanup();
    }
  });

  it("reads a duration or size over several tokens up to the end of the line, and refuses a quoted one", () => {
    const ret = def("Pool", "VolumeRetention");
    // Bacula's lexer: the identifier "year" absorbs the space after it and turns into the string
    // "year6" at the digit; store_time then joins the tokens. Same seconds, as Bacula counts them.
    const r = read(ret, "1 year 6 months # comment");
    expect(r).toEqual({ value: "1 year6 months", problems: [] });
    expect(durationSeconds(r.value as string)).toBe(durationSeconds("1 year 6 months"));
    expect(read(ret, "30 days")).toEqual({ value: "30 days", problems: [] });
    expect(read(def("Pool", "MaximumVolumeBytes"), "10 GB")).toEqual({ value: "10 GB", problems: [] });
    expect(read(ret, '"30 days"').problems).toEqual([{ severity: "error", message: expect.stringMatching(/unquoted/) }]);
  });
});

describe("value rules per store", () => {
  it("names: Bacula's characters, 1 to 127 bytes", () => {
    expect(nameProblem("File4")).toBeNull();
    expect(nameProblem("a:b.c-d_e f")).toBeNull();
    expect(nameProblem("x".repeat(MAX_NAME_BYTES))).toBeNull();
    expect(nameProblem("x".repeat(MAX_NAME_BYTES + 1))).toMatch(/127/);
    expect(nameProblem("")).toMatch(/empty/);
    expect(nameProblem("ü")).toMatch(/"ü"/);
    expect(nameProblem('a"b')).toMatch(/"\\""/);
    expect(nameProblem("a\nb")).toMatch(/U\+000A/);
  });

  it("text: no control characters, no broken UTF-16, at most 2048 bytes; line feeds only where allowed", () => {
    expect(textProblem('any "thing" \\ {} # ; @')).toBeNull();
    expect(textProblem("a\nb")).toMatch(/line break/);
    expect(textProblem("a\nb", MAX_STRING_BYTES, "text+lf")).toBeNull();
    expect(textProblem("a\rb", MAX_STRING_BYTES, "text+lf")).toMatch(/U\+000D/);
    expect(textProblem("a\tb\u0085\u2028\u2029", MAX_STRING_BYTES, "text")).toBeNull();
    expect(textProblem("a\nb", MAX_STRING_BYTES, "text")).toMatch(/line break/);
    expect(textProblem("\u007f", MAX_STRING_BYTES, "text")).toMatch(/U\+007F/);
    expect(textProblem("a\tb")).toMatch(/U\+0009/);
    expect(textProblem("\u007f")).toMatch(/U\+007F/);
    expect(textProblem("\u0085")).toMatch(/U\+0085/);
    expect(textProblem("\u2028")).toMatch(/line separator/);
    expect(textProblem("\ud800")).toMatch(/surrogate/);
    expect(textProblem("x".repeat(MAX_STRING_BYTES))).toBeNull();
    expect(textProblem("x".repeat(MAX_STRING_BYTES + 1))).toMatch(/4999/);
    expect(textProblem("é".repeat(2500))).toMatch(/at most 4999 bytes long \(it is 5000\)/);
  });

  it("paths that Bacula would shell-expand are refused", () => {
    for (const c of ["$HOME", "a*b", "`id`", "a;b", "~/x", "a b'c"]) expect(shellProblem(c), c).toMatch(/shell/);
    expect(shellProblem("/var/lib/bacula/work dir")).toBeNull();
    expect(valueProblem(def("Director", "WorkingDirectory"), "/var/$USER")).toMatch(/shell/);
  });

  it("each shape refuses values of the wrong type or range", () => {
    const cases: [DirectiveDef, Value, RegExp | null][] = [
      [def("Director", "MaximumConcurrentJobs"), 20, null],
      [def("Director", "MaximumConcurrentJobs"), -1, /between 0 and 2147483647/],
      [def("Director", "MaximumConcurrentJobs"), 2147483648, /between/],
      [def("Director", "MaximumConcurrentJobs"), 1.5, /whole number/],
      [def("Pool", "Recycle"), true, null],
      [def("Pool", "Recycle"), "yes", /yes or no/],
      [def("Job", "Type"), "backup", null], // the parser compares keywords without case
      [def("Job", "Type"), "Archive", /one of/],
      [def("Pool", "StorageGroupPolicy"), "leastused", /written LeastUsed/], // but the runtime does not, here
      [def("Pool", "Storage"), ["File4", "File5"], null],
      [def("Pool", "Storage"), [], /at least one/],
      [def("Pool", "Storage"), ["ok", "a\"b"], /item 2/],
      [def("Director", "DirAddress"), "10.0.0.1", null],
      [def("Director", "DirAddress"), "a b", /host name/],
      [def("Director", "DirPort"), 65534, null],
      [def("Director", "DirPort"), 65535, /65534/], // Bacula's add_address takes 1..65534
      [def("Schedule", "Run"), "Level=Full 1st sun at 23:05", null],
      [def("Schedule", "Run"), "Full at 23:05 # x", /"#"/],
      [def("Job", "Description"), "two\nlines", null], // a quoted string may go on over a line end
      [def("Client", "Password"), "two\nlines", /line break/],
      [def("Client", "Password"), "x".repeat(254), null],
      [def("Client", "Password"), "x".repeat(255), /at most 254/],
      [def("Client", "Password"), "", /empty/],
    ];
    for (const [d, v, want] of cases) {
      const got = valueProblem(d, v);
      if (want === null) expect(got, `${d.name} = ${JSON.stringify(v)}`).toBeNull();
      else expect(got, `${d.name} = ${JSON.stringify(v)}`).toMatch(want);
    }
  });

  it("a Messages destination has the address shape of its keyword", () => {
    const m = (name: string) => findDirective(MESSAGES_RESOURCE, name)!;
    expect(valueProblem(m("Mail"), { where: ["a@b", "c@d"], types: ["all", "!skipped"] })).toBeNull();
    expect(valueProblem(m("Mail"), { types: ["all"] })).toMatch(/needs an address/);
    expect(valueProblem(m("Append"), { where: ["/var/log/bacula.log"], types: ["all"] })).toBeNull();
    expect(valueProblem(m("Append"), { where: ["/a.log", "/b.log"], types: ["all"] })).toMatch(/single file name/);
    expect(valueProblem(m("Console"), { types: ["all", "!saved"] })).toBeNull();
    expect(valueProblem(m("Console"), { where: ["x"], types: ["all"] })).toMatch(/takes no address/);
    expect(valueProblem(m("Syslog"), { where: ["x"], types: ["all"] })).toMatch(/takes no address/);
    expect(valueProblem(m("Catalog"), { types: [] })).toMatch(/at least one message type/);
    expect(valueProblem(m("Catalog"), { types: ["all, !x"] })).toMatch(/invalid message type/);
  });

  // Found by a third outside trial (a public site's FileSet: Options { Accurate = yes }): imported and
  // rendered, then refused by Bacula ("Expected a valid Accurate option. Got unknown option 'y'").
  it("takes only Bacula's option letters in Options' Accurate, Verify and BaseJob, as bdirjson does", () => {
    const tmp = makeBaculaTempDir();
    const fileSet = (directive: string, value: string) =>
      `${minimalDirectorText({ work: tmp.work, run: tmp.run })}\nFileSet {\n  Name = "letters"\n  Include {\n    Options {\n      ${directive} = ${value}\n    }\n    File = /etc\n  }\n}\n`;
    for (const [directive, good] of [["Accurate", "pcms5"], ["BaseJob", "pmugsA"], ["Verify", "pins5"]] as const) {
      const d = findDirective(OPTIONS_BLOCK, directive)!;
      expect(valueProblem(d, "yes")).toMatch(/^takes only the option letters .* \(Bacula refuses "y" in "yes"\)$/);
      expect(valueProblem(d, good)).toBeNull();
      expect(runBdirjson(fileSet(directive, "yes"), { test: true }).code).not.toBe(0);
      expect(runBdirjson(fileSet(directive, good), { test: true }).code).toBe(0);
    }
    // StripPath takes a number as a string: no letters to check.
    expect(valueProblem(findDirective(OPTIONS_BLOCK, "StripPath")!, "2")).toBeNull();
  });

  it("writes keywords in the table's spelling, strings quoted and escaped, booleans as yes/no", () => {
    const opts = OPTIONS_BLOCK;
    expect(formatValue(findDirective(opts, "Signature")!, "md5")).toBe("Md5");
    expect(formatValue(findDirective(opts, "Compression")!, "GZIP9")).toBe("Gzip9");
    expect(formatValue(def("Job", "Type"), "backup")).toBe("Backup");
    expect(formatValue(def("Pool", "StorageGroupPolicy"), "LeastUsed")).toBe("LeastUsed");
    expect(() => formatValue(def("Pool", "StorageGroupPolicy"), "leastused")).toThrow(StoreValueError);
    expect(formatValue(def("Pool", "Recycle"), false)).toBe("no");
    expect(formatValue(def("Pool", "Storage"), ["a", "b c"])).toBe('"a", "b c"');
    expect(formatValue(findDirective(INCLUDE_BLOCK, "File")!, 'C:\\dir "x"')).toBe('"C:\\\\dir \\"x\\""');
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(formatValue(def("Director", "DirAddresses"), [{ family: "ipv4", addr: "10.0.0.1", port: "9101" }, { family: "ip", port: "9102" }])).toBe(
      "{ ipv4 = { addr = 10.0.0.1; port = 9101; } ip = { port = 9102; } }",
    );
  });

  it("reads what it writes, for every shape of a Job and a Pool", () => {
    const samples: [DirectiveDef, Value][] = [
      [def("Job", "Description"), 'he said "hi" \\ there'],
      [def("Job", "Type"), "Copy"],
      [def("Job", "Priority"), 10],
      [def("Job", "Enabled"), false],
      [def("Job", "Storage"), ["File4", "File 5"]],
      [def("Job", "MaxRunTime"), "150 minutes"],
      [def("Pool", "MaximumVolumeBytes"), "10 GB"],
      [def("Storage", "Autochanger"), "Changer"],
      [def("Storage", "Autochanger"), true],
      [def("Director", "DirAddresses"), [{ family: "ipv6", addr: "::1" }]],
      [findDirective(MESSAGES_RESOURCE, "Mail")!, { where: ["root@localhost"], types: ["all", "!skipped"] }],
    ];
    for (const [d, v] of samples) expect(read(d, formatValue(d, v)), d.name).toEqual({ value: v, problems: [] });
  });
});
