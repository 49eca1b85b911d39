/**
 * Table-driven check of every free-text typed directive against Bacula's own parsers: a value of
 * the longest length its store function allows (stores.ts) is written by the renderer and read
 * back exactly; one byte more is refused by the renderer and by the validator, and where the limit
 * is Bacula's own (names and strname tokens: 127 bytes) by Bacula too, so the limit is real.
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectorConfig, StorageDaemonConfig } from "./model";
import { renderDirector, renderStorageDaemon, RenderError } from "./render";
import { MAX_NAME_BYTES, MAX_STRING_BYTES } from "./stores";
import { findDirective, RUNSCRIPT_BLOCK, INCLUDE_BLOCK } from "./tables";
import type { DirectiveDef, StoreFn } from "./tables/types";
import { makeBaculaTempDir, runBdirjson, runBsdjson } from "./testing/bacula-bin";
import { demoDirector, demoSd2 } from "./testing/fixtures";
import { KINDS, kindsOf, typedKeys, type ResourceKind } from "./typed";
import { validateDirector, validateStorageDaemon } from "./validate";

let tmp: ReturnType<typeof makeBaculaTempDir>;
beforeAll(() => {
  tmp = makeBaculaTempDir();
});
afterAll(() => tmp?.cleanup());

/** Free-text stores and the longest value each takes, in UTF-8 bytes. */
const LIMITS: Partial<Record<StoreFn, { bytes: number; baculaRefusesMore: boolean }>> = {
  str: { bytes: MAX_STRING_BYTES, baculaRefusesMore: true },
  dir: { bytes: MAX_STRING_BYTES, baculaRefusesMore: true },
  strname: { bytes: MAX_NAME_BYTES, baculaRefusesMore: true },
  device: { bytes: MAX_NAME_BYTES, baculaRefusesMore: true },
  alist_str: { bytes: MAX_STRING_BYTES, baculaRefusesMore: true },
  runscript_cmd: { bytes: MAX_STRING_BYTES, baculaRefusesMore: true },
  fname: { bytes: MAX_STRING_BYTES, baculaRefusesMore: true },
  // Ours, not Bacula's: TLS-PSK (on by default in 15.0) cuts the shared key at 255 bytes.
  password: { bytes: 2 * MAX_NAME_BYTES, baculaRefusesMore: false },
};

type Config = Record<string, unknown>;

interface Case {
  daemon: "dir" | "sd";
  kind: ResourceKind;
  /** Typed key, or a path into a typed sub-shape (runScripts[0].command, include[0]). */
  key: string;
  def: DirectiveDef;
  /** Key of the JSON view where Bacula shows the value. */
  show: (resource: Record<string, unknown>) => unknown;
}

/** Every typed key of a kind whose store is free text (names of other resources are left out: they must exist). */
function cases(): Case[] {
  const out: Case[] = [];
  for (const daemon of ["dir", "sd"] as const)
    for (const kind of kindsOf(daemon))
      for (const ks of typedKeys(kind).list) {
        if (ks.def.name === "Name" || !LIMITS[ks.def.store]) continue;
        const jsonKey = ks.def.jsonKey ?? ks.def.name;
        out.push({ daemon, kind, key: ks.key, def: ks.def, show: (r) => r[jsonKey] });
      }
  // Typed sub-shapes: a RunScript command, FileSet include and exclude lines.
  const command = findDirective(RUNSCRIPT_BLOCK, "Command")!;
  const file = findDirective(INCLUDE_BLOCK, "File")!;
  for (const kind of ["Job", "JobDefs"] as const)
    out.push({ daemon: "dir", kind, key: "runScripts[0].command", def: command, show: (r) => (r.Runscript as Record<string, unknown>[] | undefined)?.[0]?.Command });
  out.push({ daemon: "dir", kind: "FileSet", key: "include[0]", def: file, show: (r) => (r.Include as Record<string, unknown>[] | undefined)?.[0]?.File });
  // (bdirjson shows a single Exclude block as an object, not a list.)
  const first = (x: unknown) => (Array.isArray(x) ? (x[0] as Record<string, unknown> | undefined) : (x as Record<string, unknown> | undefined));
  out.push({ daemon: "dir", kind: "FileSet", key: "exclude[0]", def: file, show: (r) => first(r.Exclude)?.File });
  return out;
}

/** Sets the case's key on the first resource of its kind. */
function place(cfg: Config, c: Case, value: string): Record<string, unknown> {
  const spec = KINDS[c.kind];
  const raw = cfg[spec.configKey];
  const res = (Array.isArray(raw) ? raw[0] : raw) as Record<string, unknown>;
  if (c.key === "runScripts[0].command") res.runScripts = [{ runsWhen: "After", runsOnClient: false, command: value }];
  else if (c.key === "include[0]") res.include = [value];
  else if (c.key === "exclude[0]") res.exclude = [value];
  else {
    const conv = typedKeys(c.kind).list.find((k) => k.key === c.key)?.conv;
    res[c.key] = conv === "concat" || conv === "repeat" ? [value] : value;
  }
  return res;
}

/** A value of exactly `len` bytes the store takes (an existing directory for WorkingDirectory). */
function marker(len: number, c: Case): string {
  if (c.def.name === "WorkingDirectory") {
    // bacula-dir and bacula-sd refuse a WorkingDirectory that does not exist: build one of `len`
    // bytes, or of the longest path Linux takes (PATH_MAX 4096) when that is shorter.
    len = Math.min(len, 4000);
    let p = `${tmp.root}/${c.daemon}`;
    while (p.length < len) p += "/" + "w".repeat(Math.max(1, Math.min(200, len - p.length - 1)));
    mkdirSync(p.slice(0, len), { recursive: true });
    return p.slice(0, len);
  }
  // Device names are resource names: letters and digits only; the others may hold a path.
  return c.def.store === "device" ? "d".repeat(len) : "/" + "x".repeat(len - 1);
}

function make(daemon: "dir" | "sd"): Config {
  return (daemon === "dir" ? demoDirector(tmp) : demoSd2(tmp)) as unknown as Config;
}

function render(daemon: "dir" | "sd", cfg: Config): string {
  return daemon === "dir" ? renderDirector(cfg as unknown as DirectorConfig, { revision: 1 }) : renderStorageDaemon(cfg as unknown as StorageDaemonConfig, { revision: 1 });
}

function resourceJson(json: unknown, c: Case, name: string): Record<string, unknown> {
  const type = c.daemon === "sd" && c.kind === "SdStorage" ? "Storage" : c.daemon === "sd" && c.kind === "SdDirector" ? "Director" : c.daemon === "sd" && c.kind === "SdMessages" ? "Messages" : KINDS[c.kind].type;
  const found = (json as Record<string, Record<string, unknown>>[]).map((e) => e[type]).find((r) => r && r.Name === name);
  expect(found, `${type} ${name} in the JSON view`).toBeDefined();
  return found!;
}

describe("text directive lengths, against bdirjson / bsdjson 15.0.3", () => {
  const all = cases();

  it("covers every free-text typed directive of both daemons", () => {
    const names = all.map((c) => `${c.kind}.${c.key}`);
    expect(names).toEqual(expect.arrayContaining([
      "Director.password", "Director.workingDirectory", "Catalog.dbPassword", "Storage.device", "Storage.mediaType",
      "Pool.labelFormat", "Client.password", "Job.description", "Job.run", "Job.runScripts[0].command", "FileSet.include[0]",
      "Messages.mailCommand", "SdStorage.workingDirectory", "SdDirector.password", "Device.archiveDevice", "Autochanger.changerCommand",
    ]));
    expect(all.length).toBeGreaterThan(30);
  });

  for (const c of all) {
    const { bytes, baculaRefusesMore } = LIMITS[c.def.store]!;
    it(`${c.kind} ${c.key} (${c.def.store}): ${bytes} bytes read back; ${bytes + 1} refused by the renderer${baculaRefusesMore ? " and by Bacula" : ""}`, () => {
      const run = c.daemon === "dir" ? runBdirjson : runBsdjson;
      const cfg = make(c.daemon);
      const v = marker(bytes, c);
      const res = place(cfg, c, v);
      const text = render(c.daemon, cfg);
      const r = run(text);
      expect(r.code, r.stdout.slice(0, 300)).toBe(0);
      const shown = c.show(resourceJson(r.json, c, String(res.name)));
      expect(Array.isArray(shown) ? shown : [shown]).toContain(v);

      // One byte more: the renderer and the validator refuse it, naming the directive.
      const cfg2 = make(c.daemon);
      place(cfg2, c, c.def.name === "WorkingDirectory" ? v + "w".repeat(bytes + 1 - v.length) : marker(bytes + 1, c));
      let err: unknown;
      try {
        render(c.daemon, cfg2);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RenderError);
      expect((err as RenderError).directive).toBe(c.def.name);
      expect((err as RenderError).problem).toMatch(/at most/);
      const problems = c.daemon === "dir" ? validateDirector(cfg2 as unknown as DirectorConfig) : validateStorageDaemon(cfg2 as unknown as StorageDaemonConfig);
      expect(problems.some((p) => p.rule === "value" && p.severity === "error" && /at most/.test(p.message))).toBe(true);
      // (a WorkingDirectory of 5000 bytes cannot exist: Linux paths stop at 4096)
      if (baculaRefusesMore && c.def.name !== "WorkingDirectory") {
        const bad = run(text.replace(v, v + (c.def.store === "device" ? "d" : "x")), { test: true });
        // exit 1, or a crash (bdirjson 15.0.3 overruns its 5000-byte token buffer by one)
        expect(bad.code, "Bacula takes one byte more").not.toBe(0);
      }
    });
  }
});
