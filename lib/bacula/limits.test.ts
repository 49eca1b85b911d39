/**
 * Table-driven check of every free-text directive against Bacula's parsers: a value of the
 * longest length the table allows is read back; where the table sets a maxLength, one byte
 * more is refused by Bacula itself (so the limit is real, not a guess).
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIRECTOR_RESOURCES, SD_RESOURCES, type BlockSpec, type DirectiveSpec, type ResourceSpec } from "./directives";
import { renderDirector, renderStorageDaemon } from "./render";
import { demoDirector, demoSd2 } from "./testing/fixtures";
import { makeBaculaTempDir, runBdirjson, runBsdjson } from "./testing/bacula-bin";
import { MAX_STRING_BYTES } from "./values";

const TEXT_TYPES = new Set(["string", "path", "password", "run-line", "path-list"]);

let tmp: ReturnType<typeof makeBaculaTempDir>;
beforeAll(() => {
  tmp = makeBaculaTempDir();
});
afterAll(() => tmp?.cleanup());

interface Case {
  spec: ResourceSpec;
  dir: DirectiveSpec;
  sub?: BlockSpec;
}

function cases(specs: readonly ResourceSpec[]): Case[] {
  const out: Case[] = [];
  const walk = (spec: ResourceSpec, block: BlockSpec, sub?: BlockSpec) => {
    for (const dir of block.directives) if (TEXT_TYPES.has(dir.type)) out.push({ spec, dir, sub });
    for (const b of block.blocks ?? []) walk(spec, b, b.key ? b : sub);
  };
  for (const s of specs) walk(s, s);
  return out;
}

function place(cfg: Record<string, unknown>, c: Case, value: string) {
  const raw = cfg[c.spec.configKey];
  const list = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
  let res = list[0];
  if (c.sub) res = list.find((r) => Array.isArray(r[c.sub!.key!])) ?? res;
  let target = res;
  if (c.sub) {
    if (!Array.isArray(res[c.sub.key!])) res[c.sub.key!] = [{ command: "/bin/true" }];
    target = (res[c.sub.key!] as Record<string, unknown>[])[0];
  }
  target[c.dir.key] = c.dir.type === "run-line" || c.dir.type === "path-list" ? [value] : value;
}

function marker(len: number, c: Case): string {
  if (c.dir.key === "workingDirectory") {
    // bacula-dir refuses a WorkingDirectory that does not exist: build one of exactly `len` bytes.
    let p = tmp.work;
    while (p.length < len) {
      const room = len - p.length - 1;
      p += "/" + "w".repeat(Math.max(1, Math.min(200, room)));
    }
    mkdirSync(p.slice(0, len), { recursive: true });
    return p.slice(0, len);
  }
  return "/" + "x".repeat(len - 1);
}

describe.each([
  ["bdirjson", DIRECTOR_RESOURCES, () => demoDirector(tmp) as unknown as Record<string, unknown>, renderDirector, runBdirjson],
  ["bsdjson", SD_RESOURCES, () => demoSd2(tmp) as unknown as Record<string, unknown>, renderStorageDaemon, runBsdjson],
] as const)("%s: text directive lengths", (_tool, specs, make, render, run) => {
  for (const c of cases(specs)) {
    const limit = c.dir.maxLength ?? MAX_STRING_BYTES;
    it(`${c.spec.kind} ${c.sub ? c.sub.name + " " : ""}${c.dir.name}: ${limit} bytes read back${c.dir.maxLength ? `, ${limit + 1} refused by Bacula` : ""}`, () => {
      const cfg = make();
      const v = marker(limit, c);
      place(cfg, c, v);
      const text = render(cfg as never, { revision: 1 });
      const ok = run(text, { test: true });
      expect(ok.code, ok.stdout.slice(0, 300)).toBe(0);
      const json = JSON.stringify(run(text).json);
      expect(json).toContain(v);
      if (c.dir.maxLength) {
        const bad = run(text.replace(v, v + "x"), { test: true });
        expect(bad.code).toBe(1);
        expect(() => {
          const cfg2 = make();
          place(cfg2, c, v + "x");
          render(cfg2 as never, { revision: 1 });
        }).toThrow(/at most/);
      }
    });
  }
});
