/**
 * The 15.0 tables proven against Debian's Bacula 15.0.3 (bdirjson, bsdjson, bfdjson, bbconsjson).
 *
 * For each daemon the test writes configs that set every resource type and every directive the
 * table says 15.0 has to a sample value of its store, with every listed 15.0 value of every
 * keyword directive used at least once (one resource instance per value index, sub-blocks
 * included; the generator is lib/bacula/testing/every-directive.ts, shared with the import/render
 * fidelity test), and asserts that Bacula accepts them. It also reads Bacula's JSON view of the main
 * instances to check that each directive shows under the key the table says. And it asserts that
 * Bacula refuses what the table leaves out: made-up keywords, enterprise rows, excluded values.
 *
 * FAILS (does not skip) when the binaries are missing.
 */
import { runBaculaTool } from "../tool-run";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apartDirectives,
  baseResources,
  EVERY_DIRECTIVE_VERSION as VERSION,
  expectedDirectives as expected,
  generateEveryDirective,
  REF,
  renderBody,
  sampleValue,
  type EveryDirectiveConfigs,
} from "../testing/every-directive";
import { directivesFor, normalizeKeyword, resourcesFor, SCHEDULE_TIME_KEYWORDS, TABLES } from "./index";
import type { BlockDef, Daemon, DirectiveDef, ResourceDef } from "./types";

const TOOLS: Record<Daemon, string> = {
  dir: "/usr/sbin/bdirjson",
  sd: "/usr/sbin/bsdjson",
  fd: "/usr/sbin/bfdjson",
  console: "/usr/sbin/bbconsjson",
};

let tmp: string;
let work: string;
let fileNo = 0;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "bacula-tables-"));
  work = path.join(tmp, "work");
  mkdirSync(work);
});
afterAll(() => {
  // BACULA_TABLES_KEEP=1 keeps the generated configs for a look.
  if (process.env.BACULA_TABLES_KEEP) console.log(`configs kept in ${tmp}`);
  else if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  file: string;
}

function run(daemon: Daemon, text: string, test = true): Run {
  const bin = TOOLS[daemon];
  if (!existsSync(bin)) throw new Error(`${bin} not found: install Debian's bacula 15.0.3 (bookworm-backports)`);
  const file = path.join(tmp, `${daemon}-${++fileNo}.conf`);
  writeFileSync(file, text, "utf8");
  const r = runBaculaTool(bin, [...(test ? ["-t"] : []), "-c", file], { timeoutMs: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr), file };
}

/** The first lines of Bacula's complaint, plus the offending line of the config. */
function explain(r: Run, text: string): string {
  const m = /line (\d+), col/.exec(r.out);
  const line = m ? text.split("\n")[Number(m[1]) - 1] : undefined;
  return `${r.out.split("\n").slice(0, 6).join("\n")}\n--> ${line ?? "?"}`;
}

// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

/** The bodies of one resource type in Bacula's JSON view. */
function jsonResources(json: unknown, type: string): Json[] {
  if (!Array.isArray(json)) return [];
  return json.filter((r): r is Record<string, Json> => !!r && typeof r === "object" && type in r).map((r) => r[type]!);
}

/**
 * Directives whose JSON key is not `name` for reasons of the JSON writer rather than the table:
 * defaults that are not printed, address stores without a presence bit, bools printed only when
 * yes... Listed so that everything else is checked strictly.
 */
const JSON_NOT_SHOWN = new Set<string>([]);

/** The keys of a sub-block's JSON (an object or a list of objects), checked like a resource's. */
function checkBlock(block: BlockDef, value: unknown, id: string): string[] {
  const entries = (Array.isArray(value) ? value : [value]).filter((x): x is Json => !!x && typeof x === "object");
  const keys = new Set(entries.flatMap((e) => Object.keys(e)));
  const problems: string[] = [];
  for (const def of directivesFor(block, VERSION)) {
    const key = def.jsonKey === undefined ? def.name : def.jsonKey;
    if (key === null) {
      if (keys.has(def.name)) problems.push(`${id}.${def.name}: shown, table says hidden`);
    } else if (!keys.has(key)) {
      problems.push(`${id}.${def.name}: no "${key}" in JSON`);
    } else if (def.block) {
      problems.push(...checkBlock(def.block, entries.find((e) => key in e)?.[key], `${id}.${def.name}`));
    }
  }
  return problems;
}

const counts: Record<string, number> = {};

for (const daemon of ["dir", "sd", "fd", "console"] as const) {
  describe(`${daemon}: the 15.0 table against ${path.basename(TOOLS[daemon])} ${VERSION}`, () => {
    let gen: EveryDirectiveConfigs;
    beforeAll(() => {
      gen = generateEveryDirective(daemon, work);
    });

    it("accepts every resource type and directive with a sample value, and every listed value", () => {
      for (const text of gen.files) {
        const r = run(daemon, text);
        expect(r.code, explain(r, text)).toBe(0);
      }
      const want = expected(daemon);
      expect(want.directives.filter((x) => !gen.written.has(x))).toEqual([]);
      expect(want.values.filter((x) => !gen.valuesWritten.has(x))).toEqual([]);
      counts[daemon] = want.directives.length;
      console.log(
        `${daemon}: ${resourcesFor(daemon, VERSION).length} resource types, ${want.directives.length} directives ` +
          `(sub-blocks included) and ${want.values.length} values accepted by ${path.basename(TOOLS[daemon])} in ${gen.files.length} files`,
      );
    });

    it("shows each directive in the JSON view under the key the table says", () => {
      const problems: string[] = [];
      for (const [index, list] of gen.checks) {
        const text = gen.files[index]!;
        const r = run(daemon, text, false);
        expect(r.code, explain(r, text)).toBe(0);
        // bfdjson 15.0.3 leaves a trailing comma after an FD Console's TlsAllowedCn (it prints no value).
        const json: unknown = JSON.parse(r.out.slice(r.out.indexOf("[")).replace(/,\}/g, "}"));
        for (const { res, name, only } of list) {
          const body = jsonResources(json, res.name).find((b) => b.Name === name);
          if (!body) {
            problems.push(`${res.name} ${name}: not in JSON`);
            continue;
          }
          for (const def of directivesFor(res, VERSION)) {
            const id = `${daemon}:${res.name}.${def.name}`;
            if (only ? !only.has(`${res.name}.${def.name}`) : apartDirectives(daemon).includes(`${res.name}.${def.name}`)) continue;
            if (JSON_NOT_SHOWN.has(id)) {
              if (def.name in body) problems.push(`${id}: shown, the test says the JSON view omits it`);
              continue;
            }
            const key = def.jsonKey === undefined ? def.name : def.jsonKey;
            if (key === null) {
              if (def.name in body) problems.push(`${id}: shown, table says hidden`);
            } else if (key === "Destinations") {
              const dests = (body.Destinations ?? []) as Json[];
              if (!dests.some((x) => x.Type === def.name)) problems.push(`${id}: no destination of Type ${def.name}`);
            } else if (!(key in body)) {
              problems.push(`${id}: no "${key}" in JSON`);
            } else if (def.block) {
              problems.push(...checkBlock(def.block, body[key], id));
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it("refuses a made-up keyword (so this test can fail)", () => {
      const text = gen.files[0]!.replace(/\n(\s+)Name = "([^"]+)"\n/, '\n$1Name = "$2"\n$1NoSuchDirectiveXyz = 1\n');
      expect(text).toContain("NoSuchDirectiveXyz");
      const r = run(daemon, text);
      expect(r.code).toBe(1);
      expect(r.out).toContain("NoSuchDirectiveXyz");
    });
  });
}

describe("aliases against the 15.0.3 binaries", () => {
  const baseText = (daemon: Daemon, except?: string) =>
    Object.entries(baseResources(daemon, work))
      .filter(([type, t]) => t && type !== except)
      .map(([, t]) => t)
      .join("\n\n") + "\n";

  /** A resource with its required directives, `def` written under `alias`. */
  const withAlias = (daemon: Daemon, res: ResourceDef, def: DirectiveDef, alias: string, name: string) => {
    const lines = renderBody(work, res.name, res, { k: 0, skip: new Set([`${res.name}.${def.name}`]), only: new Set() }, "  ", name);
    const value = sampleValue(work, res.name, def);
    return [`${res.name} {`, ...lines, `  ${alias} = ${value}`, "}"].join("\n");
  };

  for (const daemon of ["dir", "sd", "fd", "console"] as const) {
    const cases = resourcesFor(daemon, VERSION).flatMap((res) =>
      directivesFor(res, VERSION).flatMap((def) => (def.aliases ?? []).map((alias) => ({ res, def, alias }))),
    );
    if (!cases.length) continue;
    it(`${daemon}: every directive alias stores into its directive (an alias does not satisfy ITEM_REQUIRED)`, () => {
      const accepted = cases.filter((c) => !c.def.required);
      const text =
        baseText(daemon) + accepted.map((c, i) => withAlias(daemon, c.res, c.def, c.alias, `A_${i}`)).join("\n\n") + "\n";
      const r = run(daemon, text);
      expect(r.code, explain(r, text)).toBe(0);
      const json: unknown = JSON.parse(run(daemon, text, false).out.replace(/^[^[]*/, ""));
      accepted.forEach((c, i) => {
        const body = jsonResources(json, c.res.name).find((b) => b.Name === `A_${i}`)!;
        const shown = c.def.name in body || c.alias in body;
        expect(shown, `${c.res.name}.${c.alias} -> ${c.def.name}`).toBe(!c.def.jsonHiddenAliases?.includes(c.alias));
      });
      for (const c of cases.filter((x) => x.def.required)) {
        const t = baseText(daemon) + withAlias(daemon, c.res, c.def, c.alias, "A_req") + "\n";
        const rr = run(daemon, t);
        expect(rr.code, `${c.res.name}.${c.alias} satisfied ${c.def.name}`).toBe(1);
        expect(rr.out).toContain(`"${c.def.name}" directive is required`);
      }
    });
  }

  it("dir: RunScript Target and AbortJobOnError are the RunsOnClient and FailJobOnError keywords", () => {
    const job = (name: string, line: string) =>
      `Job {\n  Name = "${name}"\n  JobDefs = "${REF}"\n  Runscript {\n    RunsWhen = Before\n    ${line}\n    Command = "/bin/true"\n  }\n}`;
    const text = baseText("dir") + [job("A_t", "Target = no"), job("A_a", "AbortJobOnError = no")].join("\n\n") + "\n";
    const r = run("dir", text);
    expect(r.code, explain(r, text)).toBe(0);
    const twice = baseText("dir") + job("A_2", "Target = no\n    RunsOnClient = no").replace("RunsWhen", "FailJobOnError = no\n    AbortJobOnError = no\n    RunsWhen") + "\n";
    expect(run("dir", twice).code).toBe(0); // block items overwrite silently: no redefinition error
  });

  it("resource aliases: Autochanger is a Director Storage, Client is the FileDaemon", () => {
    const ac = baseText("dir") + baseResources("dir", work).Storage!.replace("Storage {", "Autochanger {").replace(`"${REF}"`, '"AC"') + "\n";
    const r = run("dir", ac, false);
    expect(r.code, explain(r, ac)).toBe(0);
    expect(jsonResources(JSON.parse(r.out.replace(/^[^[]*/, "")), "Storage").map((b) => b.Name)).toContain("AC");
    const fd = baseText("fd", "FileDaemon") + baseResources("fd", work).FileDaemon!.replace("FileDaemon {", "Client {") + "\n";
    const f = run("fd", fd, false);
    expect(f.code, explain(f, fd)).toBe(0);
    expect(jsonResources(JSON.parse(f.out.replace(/^[^[]*/, "")), "FileDaemon").map((b) => b.Name)).toEqual(["bfd"]);
  });
});

describe("directives Bacula refuses together (the tables' excludes)", () => {
  for (const daemon of ["dir", "sd", "fd", "console"] as const) {
    const cases = resourcesFor(daemon, VERSION).flatMap((res) =>
      directivesFor(res, VERSION).flatMap((def) => (def.excludes ?? []).map((other) => ({ res, def, other: directivesFor(res, VERSION).find((x) => x.name === other)! }))),
    );
    if (!cases.length) continue;
    it(`${daemon}: each pair in one resource is refused in either order, each alone is accepted`, () => {
      const base = baseResources(daemon, work);
      for (const { res, def, other } of cases) {
        const text = base[res.name];
        expect(text, `${daemon}: no base ${res.name}`).toBeTruthy();
        const withLines = (...defs: DirectiveDef[]) =>
          Object.entries(base)
            .filter(([, t]) => t)
            .map(([type, t]) => (type === res.name ? t.replace(/\n\}$/, `\n${defs.map((x) => `  ${x.name} = ${sampleValue(work, res.name, x)}`).join("\n")}\n}`) : t))
            .join("\n\n") + "\n";
        for (const pair of [[def, other], [other, def]]) {
          const r = run(daemon, withLines(...pair));
          expect(r.code, `${res.name}: ${pair.map((x) => x.name).join(" + ")} accepted`).toBe(1);
          expect(r.out).toContain("Old style addresses cannot be mixed with new style");
        }
        for (const alone of [def, other]) {
          const t = withLines(alone);
          const r = run(daemon, t);
          expect(r.code, explain(r, t)).toBe(0);
        }
      }
    });
  }
});

describe("resource types: required ones, single ones", () => {
  /** The base config of a daemon with only the resource types the table marks required. */
  const requiredOnly = (daemon: Daemon): Record<string, string> => {
    const base = baseResources(daemon, work);
    const req = new Set(resourcesFor(daemon, VERSION).filter((r) => r.required).map((r) => r.name));
    const out: Record<string, string> = {};
    for (const [type, text] of Object.entries(base)) if (req.has(type) && text) out[type] = text;
    // The base Job takes its required rows from a JobDefs, which is optional: spell them out.
    if (daemon === "dir")
      out.Job = `Job {\n  Name = "${REF}"\n  Type = Backup\n  Messages = "${REF}"\n  Pool = "${REF}"\n  Client = "${REF}"\n  Fileset = "${REF}"\n}`;
    return out;
  };
  const join = (parts: Record<string, string>) => Object.values(parts).join("\n\n") + "\n";

  for (const daemon of ["dir", "sd", "fd", "console"] as const) {
    it(`${daemon}: accepts the required resource types alone, refuses a config without any one of them`, () => {
      const parts = requiredOnly(daemon);
      const r = run(daemon, join(parts));
      expect(r.code, explain(r, join(parts))).toBe(0);
      for (const type of Object.keys(parts)) {
        const { [type]: _gone, ...rest } = parts;
        expect(run(daemon, join(rest)).code, `${daemon} without ${type}`).toBe(1);
      }
      for (const res of TABLES[daemon].resources.filter((x) => x.single)) {
        const twice = join(parts) + "\n" + parts[res.name]!.replace(/Name = "[^"]+"/, 'Name = "Second"') + "\n";
        const t = run(daemon, twice);
        expect(t.code, `two ${res.name}`).toBe(1);
        expect(t.out).toContain(`Only one ${res.name === "FileDaemon" ? "Client" : res.name} resource`);
      }
    });
  }
});

describe("keyword spelling and repeats, as the tables and normalizeKeyword describe them", () => {
  const dir = (jobLines: string) =>
    Object.values(baseResources("dir", work)).filter(Boolean).join("\n\n") +
    `\n\nJob {\n  Name = "K"\n  JobDefs = "${REF}"\n${jobLines}\n}\n`;

  it("matches keywords case-insensitively, ignoring blanks inside them", () => {
    const r = run("dir", dir(`  maximum Concurrent \tJOBS = 3\n  Spool  Attributes = yes`));
    expect(r.code, r.out).toBe(0);
    expect(normalizeKeyword("maximum Concurrent \tJOBS")).toBe(normalizeKeyword("MaximumConcurrentJobs"));
  });
  it("does not take a digit or an underscore inside a keyword", () => {
    expect(run("dir", dir("  Maximum_Concurrent_Jobs = 3")).code).toBe(1);
  });
  it("keeps the last of repeated number/bool lines, refuses a repeated string or resource line", () => {
    expect(run("dir", dir("  MaximumConcurrentJobs = 3\n  MaximumConcurrentJobs = 4\n  SpoolData = yes\n  SpoolData = no")).code).toBe(0);
    expect(run("dir", dir(`  Description = "a"\n  Description = "b"`)).code).toBe(1);
    expect(run("dir", dir(`  Schedule = "${REF}"\n  Schedule = "${REF}"`)).code).toBe(1);
    expect(run("dir", dir(`  Storage = "${REF}"\n  Storage = "${REF}"\n  Run = "a"\n  Run = "b"`)).code).toBe(0);
  });
  it("accepts every schedule time keyword in Director Run and File Daemon Connect lines", () => {
    const spec = (kw: string) =>
      kw === "at" ? "at 01:00" : kw === "on" ? "on mon at 01:00" : kw === "hourly" ? "hourly at 0:05" : `${kw} at 01:00`;
    const runs = SCHEDULE_TIME_KEYWORDS.map((kw) => `  Run = Full ${spec(kw)}`).join("\n");
    const text = Object.values(baseResources("dir", work)).filter(Boolean).join("\n\n") + `\n\nSchedule {\n  Name = "S"\n${runs}\n}\n`;
    const r = run("dir", text);
    expect(r.code, explain(r, text)).toBe(0);
    const connects = SCHEDULE_TIME_KEYWORDS.map((kw) => `  Connect = ${spec(kw)}`).join("\n");
    const fd = Object.values(baseResources("fd", work)).filter(Boolean).join("\n\n") + `\n\nSchedule {\n  Name = "S"\n${connects}\n}\n`;
    const f = run("fd", fd);
    expect(f.code, explain(f, fd)).toBe(0);
    expect(run("dir", text.replace("Run = Full at 01:00", "Run = Full noday at 01:00")).code).toBe(1);
  });
});

/** Edits of a generated file that Bacula must refuse, for rows and values the table leaves out. */
const REFUSED: { daemon: Daemon; what: string; res: string; line: string; message?: string }[] = [
  // Branch-15.0 spells it LastBackupedTo; Debian's 15.0.3 does not accept that spelling.
  { daemon: "dir", what: "StorageGroupPolicy LastBackupedTo", res: "Pool", line: "StorageGroupPolicy = LastBackupedTo", message: "Invalid storage policy" },
  { daemon: "dir", what: "RunsWhen Never", res: "Job", line: "Runscript {\n    RunsWhen = Never\n    Command = \"/bin/true\"\n  }" },
  { daemon: "dir", what: "Compression zstd2", res: "Fileset", line: "Include {\n    File = /tmp\n    Options {\n      Compression = zstd2\n    }\n  }" },
  { daemon: "dir", what: "Exclude { Plugin }", res: "Fileset", line: "Exclude {\n    Plugin = \"bpipe\"\n  }" },
  { daemon: "dir", what: "enterprise Director FipsRequire", res: "Director", line: "FipsRequire = no" },
  { daemon: "dir", what: "enterprise Pool MaximumPoolBytes", res: "Pool", line: "MaximumPoolBytes = 1 GB" },
  { daemon: "dir", what: "the Director's Device resource", res: "", line: "Device {\n  Name = \"X\"\n}" },
  { daemon: "sd", what: "enterprise Cloud Driver Azure", res: "Cloud", line: "Driver = Azure" },
  { daemon: "sd", what: "dedup Storage DedupDirectory", res: "Storage", line: "DedupDirectory = \"/tmp\"" },
  { daemon: "sd", what: "dedup Device Type Dedup", res: "Device", line: "DeviceType = Dedup" },
  { daemon: "sd", what: "dedup Dedupengine resource", res: "", line: "Dedupengine {\n  Name = \"X\"\n}" },
  { daemon: "fd", what: "enterprise FileDaemon FipsRequire", res: "FileDaemon", line: "FipsRequire = no" },
  { daemon: "fd", what: "PkiDigest xxh3_64", res: "FileDaemon", line: "PkiDigest = xxh3_64" },
  { daemon: "console", what: "enterprise Console FipsRequire", res: "Console", line: "FipsRequire = no" },
];

describe("Bacula 15.0.3 refuses what the tables leave out", () => {
  const minimal: Partial<Record<Daemon, string>> = {};
  const text = (daemon: Daemon) => {
    minimal[daemon] ??= Object.values(baseResources(daemon, work)).filter(Boolean).join("\n\n") + "\n";
    return minimal[daemon]!;
  };
  it("accepts the minimal configs the cases below edit", () => {
    for (const daemon of ["dir", "sd", "fd", "console"] as const) {
      const t = text(daemon) + (daemon === "console" ? `\nConsole {\n  Name = "c"\n  Password = "p"\n}\n` : "");
      const r = run(daemon, t);
      expect(r.code, explain(r, t)).toBe(0);
    }
  });
  for (const c of REFUSED) {
    it(`${c.daemon}: ${c.what}`, () => {
      let t = text(c.daemon);
      if (c.daemon === "console" && c.res === "Console") t += `\nConsole {\n  Name = "c"\n  Password = "p"\n}\n`;
      if (!c.res) {
        t += `\n${c.line}\n`;
      } else {
        const at = t.search(new RegExp(`^${c.res} \\{\\n  Name = "[^"]+"\\n`, "m"));
        expect(at, `no ${c.res} in the minimal config`).toBeGreaterThanOrEqual(0);
        const nl = t.indexOf("\n", t.indexOf("Name =", at));
        t = `${t.slice(0, nl + 1)}  ${c.line}\n${t.slice(nl + 1)}`;
      }
      const r = run(c.daemon, t);
      expect(r.code, `${c.what} was accepted:\n${t}`).toBe(1);
      if (c.message) expect(r.out).toContain(c.message);
    });
  }
  it("accepts a lower-case policy in the parser (the runtime then ignores it: the table keeps it out)", () => {
    const t = text("dir").replace(`PoolType = Backup\n`, `PoolType = Backup\n  StorageGroupPolicy = leastused\n`);
    expect(run("dir", t).code).toBe(0);
  });
});

afterAll(() => {
  if (Object.keys(counts).length) console.log("directives checked against the binaries:", JSON.stringify(counts));
});

// Keep TABLES referenced for readers jumping here from index.ts.
void TABLES;
