/**
 * Every directive of the 15.0 tables through the dashboard's database, judged by Bacula.
 *
 * The configs of lib/bacula/testing/every-directive.ts (every resource type, every directive of the
 * Director's and the Storage Daemon's 15.0 tables with a sample value, every listed value of every
 * keyword directive; tables.real.test.ts proves Debian's 15.0.3 accepts them) are imported into a
 * fresh database one file at a time, rendered back from it, and the JSON view of Bacula's own parser
 * (bdirjson -c / bsdjson -c) of the original is compared with that of the render, directive by
 * directive: nothing dropped, nothing changed; and bdirjson -t / bsdjson -t accept the render.
 *
 * Directives the JSON view cannot show (the table's `jsonKey: null` rows, and the entries after the
 * first of a DirAddresses / SdAddresses block) are compared as well, in the parsed trees of the
 * original and of the render, so that "every directive" holds for them too. What the render adds
 * must be a directive written out at the table's default (the dashboard keeps ports in columns) or
 * one of the DERIVED additions below. No mocks: real files, real binaries.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { deepFreeze } from "@/test/support/freeze";
import { makeBaculaTempDir, runBaculaJsonFile, runBdirjson, runBsdjson } from "@/lib/bacula/testing/bacula-bin";
import { diffJsonViews, flattenJsonView } from "@/lib/bacula/testing/json-view";
import { expectedDirectives, generateEveryDirective } from "@/lib/bacula/testing/every-directive";
import { parseTree } from "@/lib/bacula/parser";
import { findDirective, findResource } from "@/lib/bacula/tables";
import type { BlockDef, DirectiveDef } from "@/lib/bacula/tables/types";
import type { ConfigTree, Item } from "@/lib/bacula/tree";

const { dir: tmpRoot } = freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigFile } = await import("./import-to-db");
const { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } = await import("./from-db");
const { renderDirector, renderStorageDaemon } = await import("@/lib/bacula");

/**
 * Directives of Bacula's JSON view of an original that the render may drop or change, as
 * `Type/Key` (any resource name), each with the reason the dashboard cannot keep it. Empty: the
 * import and the render keep every directive of both tables. Keep it that way, or justify each entry.
 */
const EXCLUDED: Readonly<Record<string, string>> = {};

/**
 * Directives the render adds that the original did not set and that do not read as the table's
 * default, as `Type/Key`, each with the reason (they are derived by the dashboard, never dropped
 * or changed).
 */
const DERIVED: Readonly<Record<string, string>> = {
  // from-db.ts gives every Director the Messages resource for its own messages ("Daemon", else the
  // first) when its stored directives name none; the database cannot tell an imported Director
  // without Messages from one the dashboard created. Only the generated file that holds just the
  // Director's DirAddresses block lacks a Director Messages line.
  "Director/Messages": "the dashboard derives the Director's own Messages when none is stored",
};

let bacula: ReturnType<typeof makeBaculaTempDir>;
beforeAll(() => {
  bacula = makeBaculaTempDir("bhd-every-");
});
afterAll(() => bacula?.cleanup());

/** `Type/Key` of a diffJsonViews line ("Type/Name/Key = value", "Type/Name/Key: a -> b"); names hold no "/", keys are letters. */
const typeKey = (line: string) => line.replace(/^([^/]+)\/[^/]*\/([A-Za-z]+).*$/s, "$1/$2");

/** The table row behind a key of the JSON view (its name, or the row whose jsonKey it is). */
function rowOfJsonKey(daemon: "dir" | "sd", type: string, key: string): DirectiveDef | undefined {
  const res = findResource(daemon, type);
  if (!res) return undefined;
  return findDirective(res, key) ?? res.directives.find((d) => d.jsonKey === key);
}

/**
 * What the JSON view does not show, per resource ("Type/Name"): every value of a row the table
 * marks `jsonKey: null`, and every addresses block (the view shows only its first entry), with the
 * path of its sub-block, as sorted `path=value` strings.
 */
function hiddenFromJson(tree: ConfigTree): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (items: readonly Item[], container: BlockDef | undefined, prefix: string, acc: string[]) => {
    for (const it of items) {
      const def = container ? findDirective(container, it.name) : undefined;
      if (it.kind === "block") walk(it.items, def?.block, `${prefix}${it.name}.`, acc);
      else if (def && (def.jsonKey === null || def.store === "addresses")) acc.push(`${prefix}${it.name}=${JSON.stringify(it.value)}`);
    }
  };
  for (const r of tree.resources) {
    const name = r.items.find((i) => i.kind === "directive" && i.name === "Name");
    const acc: string[] = [];
    walk(r.items, findResource(tree.daemon, r.type), "", acc);
    if (acc.length) out.set(`${r.type}/${name && name.kind === "directive" ? String(name.value) : "?"}`, acc.sort());
  }
  return out;
}

interface Tally {
  files: number;
  total: number;
  kept: number;
  excluded: number;
  hidden: number;
  hiddenKept: number;
  defaults: number;
  derived: string[];
}

for (const daemon of ["dir", "sd"] as const) {
  const tool = daemon === "dir" ? "bdirjson" : "bsdjson";
  describe(`${daemon}: every directive of the 15.0 table through import and render`, () => {
    it(`keeps every directive (judged by ${tool}'s JSON view) and ${tool} -t accepts the render`, async () => {
      const gen = generateEveryDirective(daemon, bacula.work);
      // The generated configs use every directive of the table (tables.real.test.ts proves Bacula takes them).
      expect(expectedDirectives(daemon).directives.filter((x) => !gen.written.has(x))).toEqual([]);
      const tally: Tally = { files: 0, total: 0, kept: 0, excluded: 0, hidden: 0, hiddenKept: 0, defaults: 0, derived: [] };
      for (const [i, text] of gen.files.entries()) {
        const dir = path.join(tmpRoot, `${daemon}-${i}`);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, daemon === "dir" ? "bacula-dir.conf" : "bacula-sd.conf");
        fs.writeFileSync(file, text);
        const original = runBaculaJsonFile(tool, file);
        expect(original.code, original.stdout.slice(0, 400)).toBe(0);

        // Frozen: the import leaves the parse as it was (the Import page's import reuses its dry run's).
        const src = deepFreeze(parseConfigFile(file, daemon));
        expect(src.result.issues.filter((x) => x.severity === "error"), `${daemon} file ${i}`).toEqual([]);
        const report = await importConfigs(prisma, [src], { actor: "every-directive" });
        expect(report.issues.filter((x) => x.severity === "error"), `${daemon} file ${i}`).toEqual([]);
        expect(report.applied).toBe(true);

        const revision = await modelRevision(prisma);
        const name = gen.singleNames[i]!;
        const rendered =
          daemon === "dir"
            ? renderDirector(await loadDirectorConfig(prisma, (await prisma.director.findUniqueOrThrow({ where: { name } })).id), { revision })
            : renderStorageDaemon(await loadStorageDaemonConfig(prisma, (await prisma.storageDaemon.findUniqueOrThrow({ where: { name } })).id), { revision });
        const checked = (daemon === "dir" ? runBdirjson : runBsdjson)(rendered, { test: true });
        expect(checked.code, `${tool} -t refused the render of file ${i}:\n${checked.stdout.slice(0, 600)}`).toBe(0);
        const again = (daemon === "dir" ? runBdirjson : runBsdjson)(rendered);
        expect(again.code, again.stdout.slice(0, 400)).toBe(0);

        // Bacula's view, directive by directive: nothing dropped, nothing changed (but what EXCLUDED names).
        const d = diffJsonViews(original.json, again.json);
        const dropped = d.dropped.filter((x) => !(typeKey(x) in EXCLUDED));
        const changed = d.changed.filter((x) => !(typeKey(x) in EXCLUDED));
        expect({ file: i, dropped, changed }).toEqual({ file: i, dropped: [], changed: [] });
        tally.excluded += d.dropped.length + d.changed.length;
        tally.files++;
        tally.total += d.total;
        tally.kept += d.kept;

        // What the render adds reads as the table's default, or is derived by the dashboard.
        const renderedView = flattenJsonView(again.json);
        const unexplained: string[] = [];
        for (const key of d.added) {
          const [type, jsonKey] = typeKey(key).split("/") as [string, string];
          const def = rowOfJsonKey(daemon, type, jsonKey);
          if (def?.default !== undefined && renderedView.get(key) === JSON.stringify(def.default)) tally.defaults++;
          else if (typeKey(key) in DERIVED) tally.derived.push(key);
          else unexplained.push(`${key} = ${renderedView.get(key)}`);
        }
        expect(unexplained, `file ${i}: the render adds directives`).toEqual([]);

        // What the JSON view cannot show, compared in the parsed trees.
        const before = hiddenFromJson(parseTree(text, daemon).tree);
        const after = hiddenFromJson(parseTree(rendered, daemon).tree);
        const lost: string[] = [];
        for (const [res, values] of before) {
          tally.hidden += values.length;
          const left = [...(after.get(res) ?? [])];
          for (const v of values) {
            const at = left.indexOf(v);
            if (at >= 0) {
              left.splice(at, 1);
              tally.hiddenKept++;
            } else lost.push(`${res}/${v}`);
          }
        }
        expect(lost, `file ${i}: directives the JSON view does not show, lost or changed`).toEqual([]);
      }
      expect(tally.hidden).toBeGreaterThan(0);
      expect(tally.kept + tally.excluded).toBe(tally.total);
      expect(tally.total).toBeGreaterThanOrEqual(daemon === "dir" ? 2000 : 800);
      console.log(
        `${daemon}: ${tally.files} generated files imported and rendered: ${tally.total} directives of ${tool}'s JSON view compared, ` +
          `${tally.kept} kept, ${tally.excluded} excluded; ${tally.hidden} directives the JSON view does not show compared in the tree, ` +
          `${tally.hiddenKept} kept; added: ${tally.defaults} written out at the table's default, ${tally.derived.length} derived (${tally.derived.join(", ") || "none"})`,
      );
    });
  });
}
