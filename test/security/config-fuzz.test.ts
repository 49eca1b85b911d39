/**
 * Hostile values in every free-text directive of every kind, through the API (PUT, as the forms
 * send them) and through the importer, judged by Bacula 15's own parsers:
 * - no parse runs a command: values that try (`$(touch M)`, backticks, `;`, `|`…) leave no marker
 *   file, while a control written by hand (an unchecked shell-expanded value) does create it;
 * - every value the app accepts, rendered the way a deploy renders it, is accepted by bdirjson /
 *   bsdjson and read back exactly (Bacula's JSON view);
 * - every value the app refuses gets a 4xx that names the field by its label.
 * The values come from a fixed seed, so a failure reproduces.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";

const { dir: tmp } = freshDatabase();

const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const item = await import("@/app/api/[kind]/[id]/route");
const { makeUser } = await import("../api/fixtures");
const { KINDS } = await import("@/lib/inventory/fields");
const { resourceDefOf } = await import("@/lib/bacula/typed");
const { STORES, quote } = await import("@/lib/bacula/stores");
const { supports } = await import("@/lib/bacula/tables");
const { loadDirectorConfig, loadStorageDaemonConfig } = await import("@/lib/config/from-db");
const { directorTree, storageDaemonTree } = await import("@/lib/bacula/render");
const { renderTree } = await import("@/lib/bacula/renderer");
const { compileTree } = await import("@/lib/bacula/compile");
const { escapeControls, requireBaculaBinary } = await import("@/lib/bacula/testing/bacula-bin");
const { importConfigs, parseConfigText } = await import("@/lib/config/import-to-db");

type H = Parameters<typeof call>[0];
const read = item.GET as unknown as H;
const update = item.PUT as unknown as H;

type KindKey = keyof typeof KINDS;
type DirectiveDef = import("@/lib/bacula/tables/types").DirectiveDef;
type ConfigTree = import("@/lib/bacula/tree").ConfigTree;
type ResourceNode = import("@/lib/bacula/tree").ResourceNode;

const MARKER = path.join(tmp, "marker");
const WORK = path.join(tmp, "work");
mkdirSync(WORK);

/** Values that try to run `touch MARKER` through every shell form, or break out of the quoting. */
const ATTACKS = [
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `x;touch ${MARKER}`,
  `x|touch ${MARKER}`,
  `x && touch ${MARKER}`,
  `x\ntouch ${MARKER}`,
  `"; touch ${MARKER}; "`,
  `\\"; touch ${MARKER}; \\"`,
  `x" \n Password = "evil`,
  `x"\nStorage { Name = evil }\n#`,
  `/tmp/$(touch ${MARKER})`,
  `/tmp/\`touch ${MARKER}\``,
  `~root/$(touch ${MARKER})`,
  `|touch ${MARKER}`,
  `@${MARKER}`,
  `%c $(touch ${MARKER})`,
];

const hostileChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(..."abcXYZ019 /._-:=") },
  { weight: 4, arbitrary: fc.constantFrom(..."`$;|&<>*?\"'\\~[](){}!#,@%^") },
  { weight: 2, arbitrary: fc.constantFrom("\n", "\r", "\t", "\u0000", "\u007f", "\u0085", "\u2028") },
  { weight: 2, arbitrary: fc.constantFrom("é", "中", "😀", "\u00a0", "\ufeff", "\ud800", "\udfff") },
);

/** Hostile text: random characters, the attacks, and a few long values. */
const hostile = fc.oneof(
  { weight: 6, arbitrary: fc.array(hostileChar, { maxLength: 40 }).map((a) => a.join("")) },
  { weight: 2, arbitrary: fc.constantFrom(...ATTACKS) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("a", "\\", "\"", "é"), fc.integer({ min: 100, max: 3000 })).map(([c, n]) => c.repeat(n)) },
);

/** Free-text directives of a resource: strings and shell-expanded paths that Bacula's JSON view shows. */
function textDirectives(kind: KindKey): DirectiveDef[] {
  const rk = KINDS[kind].resourceKind!;
  return resourceDefOf(rk).directives.filter((d) => {
    const shape = STORES[d.store].shape;
    return (shape === "string" || shape === "path") && d.jsonKey !== null && !d.deprecated && supports("15.0.3", d) && d.name !== "Name";
  });
}

const FUZZ_KINDS: KindKey[] = ["directors", "storage-daemons", "devices", "storages", "pools", "catalogs", "clients", "filesets", "schedules", "messages", "jobdefs", "jobs"];
const SD_KINDS = new Set<KindKey>(["storage-daemons", "devices"]);

let admin = "";
const targets = new Map<KindKey, number>();
const targetName = new Map<KindKey, string>();

beforeAll(async () => {
  await seedDemo(prisma);
  admin = await makeUser("fuzz-admin", "admin");
  const dir = await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } });
  await prisma.director.update({ where: { id: dir.id }, data: { workingDirectory: WORK, pidDirectory: WORK } });
  for (const sd of await prisma.storageDaemon.findMany()) await prisma.storageDaemon.update({ where: { id: sd.id }, data: { workingDirectory: WORK, pidDirectory: WORK } });
  targets.set("directors", dir.id);
  targets.set("jobdefs", (await prisma.jobDefs.create({ data: { name: "FuzzDefs", directorId: dir.id, type: "Backup" } })).id);
  targets.set("storage-daemons", (await prisma.storageDaemon.findFirstOrThrow({ orderBy: { id: "asc" } })).id);
  const first = async (kind: KindKey) => {
    const where = SD_KINDS.has(kind) ? { storageDaemonId: targets.get("storage-daemons") } : { directorId: dir.id };
    const d = (prisma as unknown as Record<string, { findFirstOrThrow(a: object): Promise<{ id: number }> }>)[MODEL_NAMES[kind]!];
    const row = await d.findFirstOrThrow({ where, orderBy: { id: "asc" } }).catch(() => { throw new Error(`the demo has no ${kind}`); });
    return row.id;
  };
  for (const k of FUZZ_KINDS) if (!targets.has(k)) targets.set(k, await first(k));
  for (const kind of FUZZ_KINDS) {
    const row = await call(read, `/api/${kind}/${targets.get(kind)}`, { cookie: admin, params: { kind, id: String(targets.get(kind)) } });
    targetName.set(kind, row.json.name as string);
  }
});

const MODEL_NAMES: Partial<Record<KindKey, string>> = {
  devices: "device",
  storages: "storage",
  pools: "pool",
  catalogs: "catalog",
  clients: "client",
  filesets: "fileSet",
  schedules: "schedule",
  messages: "messages",
  jobdefs: "jobDefs",
  jobs: "job",
};

interface Accepted {
  kind: KindKey;
  def: DirectiveDef;
  value: string;
}

/** The record as the form last showed it: a refused save leaves it as it was. */
const views = new Map<string, Record<string, unknown>>();
async function viewOf(kind: KindKey, id: number): Promise<Record<string, unknown>> {
  const key = `${kind}/${id}`;
  let v = views.get(key);
  if (!v) views.set(key, (v = (await call(read, `/api/${key}`, { cookie: admin, params: { kind, id: String(id) } })).json));
  return v;
}

/** The form field of a directive, when it has its own (else it lives in "Other directives"). */
function fieldOf(kind: KindKey, def: DirectiveDef) {
  return KINDS[kind].fields.find((f) => f.directive?.def === def);
}

interface ViewItemLike {
  kind: string;
  name: string;
  value?: unknown;
}

/** The whole form, as the browser sends it, with the given directives set. */
function formBody(kind: KindKey, view: Record<string, unknown>, values: Map<DirectiveDef, string>) {
  const body: Record<string, unknown> = { updatedAt: view.updatedAt };
  for (const f of KINDS[kind].fields) if (f.type !== "secret" && !f.readOnly && view[f.key] !== undefined && view[f.key] !== null) body[f.key] = view[f.key];
  const names = new Set([...values.keys()].map((d) => d.name));
  const items: ViewItemLike[] = ((view.directives as ViewItemLike[] | undefined) ?? []).filter((i) => !names.has(i.name));
  for (const [def, v] of values) {
    const field = fieldOf(kind, def);
    if (field) body[field.key] = v;
    else items.push({ kind: "directive", name: def.name, value: v });
  }
  body.directives = items;
  return body;
}

async function put(kind: KindKey, id: number, body: Record<string, unknown>) {
  const res = await call(update, `/api/${kind}/${id}`, { method: "PUT", body, cookie: admin, params: { kind, id: String(id) } });
  if (res.status === 200) views.set(`${kind}/${id}`, res.json);
  return res;
}

/** The sent directives a refusal names: by the field's key or label, or in Other directives by its item or its name. */
function refusedOf(kind: KindKey, res: { json: Record<string, unknown> }, body: Record<string, unknown>, sent: DirectiveDef[]): Set<DirectiveDef> {
  const out = new Set<DirectiveDef>();
  const items = (body.directives as ViewItemLike[] | undefined) ?? [];
  for (const e of (res.json.fields ?? []) as { field: string; label?: string; message: string }[])
    for (const def of sent) {
      const field = fieldOf(kind, def);
      const named = new RegExp(`\\b${def.name}\\b`).test(e.message);
      if (field) {
        if (e.field === field.key || (e.label === field.label && e.field.split(".")[0] === field.key)) out.add(def);
      } else if (e.field.startsWith("directives")) {
        const m = /^directives[.[](\d+)/.exec(e.field);
        const it = m ? items[Number(m[1])] : undefined;
        if ((it && it.name === def.name) || (!it && named)) out.add(def);
      }
    }
  return out;
}

function bacula(daemon: "dir" | "sd", text: string): { ok: boolean; json: unknown; out: string } {
  const bin = requireBaculaBinary(daemon === "dir" ? "bdirjson" : "bsdjson");
  const file = path.join(tmp, daemon === "dir" ? "bacula-dir.conf" : "bacula-sd.conf");
  writeFileSync(file, text);
  const r = spawnSync(bin, ["-c", file], { cwd: tmp, timeout: 30_000, maxBuffer: 256 * 1024 * 1024 });
  const out = r.stdout.toString("utf8");
  let json: unknown;
  if (r.status === 0) json = JSON.parse(escapeControls(out));
  return { ok: r.status === 0, json, out: out.slice(0, 600) };
}

function resourceOf(json: unknown, type: string, name: string): Record<string, unknown> | undefined {
  for (const r of json as Record<string, Record<string, unknown>>[]) if (r[type] && r[type].Name === name) return r[type];
  return undefined;
}

/**
 * Copies of one resource of the tree, each with one accepted value, renamed so that they can
 * live side by side: one Bacula run judges many values. Single resources (Director, SD Storage)
 * cannot be copied: the tree is rendered once per value.
 */
function withCopies(tree: ConfigTree, node: ResourceNode, cases: Accepted[], nameOf: (i: number) => string): ConfigTree {
  const copies = cases.map((c, i) => ({
    ...node,
    items: [
      ...node.items.filter((it) => it.name !== "Name" && it.name !== c.def.name),
      { kind: "directive" as const, name: "Name", value: nameOf(i) },
      { kind: "directive" as const, name: c.def.name, value: c.value },
    ],
  }));
  return { ...tree, resources: [...tree.resources, ...copies] };
}

/** An accepted form: the API and the deploy model hold every value exactly as sent. */
async function acceptedRound(kind: KindKey, values: Map<DirectiveDef, string>, view: Record<string, unknown>, accepted: Accepted[]) {
  const tree = await deployTree(kind);
  const node = tree.resources.find((r) => r.type === resourceDefOf(KINDS[kind].resourceKind!).name && nameItem(r) === targetName.get(kind));
  for (const [def, value] of values) {
    stats.accepted++;
    const field = fieldOf(kind, def);
    const it = node?.items.find((i) => i.name === def.name);
    const held = it && it.kind === "directive" ? it.value : undefined;
    if (field?.type === "secret") {
      // never sent back, not even in part; an empty one keeps the stored secret
      // (unless another field of the same form holds the same text)
      const shared = [...values].some(([d, v]) => d !== def && v.includes(value));
      const leaked = !shared && value.length >= 8 && JSON.stringify(view).includes(JSON.stringify(value).slice(1, -1));
      if (leaked || (value !== "" && view[`${field.key}Set`] !== true)) stats.readBackDiff.push(`${kind} ${def.name}: a secret was ${leaked ? "sent back" : "not kept"} (${JSON.stringify(value).slice(0, 40)})`);
      if (value !== "" && held !== value) stats.readBackDiff.push(`${kind} ${def.name}: the deploy model holds another secret`);
    } else {
      const got = field ? view[field.key] : ((view.directives as ViewItemLike[]).find((i) => i.name === def.name)?.value ?? "");
      // An empty field means "not set": Bacula's default (or the dashboard's), nothing to read back.
      if (value === "") {
        if (held !== undefined && held !== "" && held !== field?.defaultValue) stats.readBackDiff.push(`${kind} ${def.name}: cleared, the deploy model holds ${JSON.stringify(held)}`);
        continue;
      }
      if (got !== value) stats.readBackDiff.push(`${kind} ${def.name}: the API sent back ${JSON.stringify(got)} for ${JSON.stringify(value)}`);
      if (held !== value) stats.readBackDiff.push(`${kind} ${def.name}: the deploy model holds ${JSON.stringify(held)} for ${JSON.stringify(value)}`);
    }
    if (value !== "") accepted.push({ kind, def, value });
  }
}

const stats = { values: 0, accepted: 0, refused: 0, baculaRuns: 0, readBack: 0, wrongStatus: [] as string[], unnamed: [] as string[], acceptedThenRefused: [] as string[], readBackDiff: [] as string[] };

describe("hostile values in every free-text directive", () => {
  it("through the API: refused with the field named, or accepted and read back exactly by Bacula, never running a command", { timeout: 600_000 }, async () => {
    const perField = Number(process.env.FUZZ_PER_FIELD ?? 24);
    const accepted: Accepted[] = [];
    let seed = 20261201;
    for (const kind of FUZZ_KINDS) {
      const id = targets.get(kind)!;
      const defs = textDirectives(kind);
      // Bacula refuses a Director whose working directory does not exist: those values live under the test's own.
      const samples = defs.map((def) => {
        const onDisk = kind === "directors" && def.name === "WorkingDirectory";
        return fc.sample(hostile, { seed: seed++, numRuns: perField }).map((v) => (onDisk ? `${WORK}/${v}` : v));
      });
      const before = await viewOf(kind, id);
      // One form per round, every free-text directive of the kind holding a hostile value; the ones
      // refused (each named in the answer) are taken out and the rest is sent again.
      for (let round = 0; round < perField; round++) {
        const pending = new Map(defs.map((d, i) => [d, samples[i][round]]));
        stats.values += pending.size;
        for (let attempt = 0; pending.size > 0; attempt++) {
          const body = formBody(kind, await viewOf(kind, id), pending);
          const res = await put(kind, id, body);
          if (res.status === 200) {
            await acceptedRound(kind, pending, res.json, accepted);
            break;
          }
          if (res.status < 400 || res.status >= 500) {
            stats.wrongStatus.push(`${kind} round ${round}: ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
            break;
          }
          const refused = refusedOf(kind, res, body, [...pending.keys()]);
          if (refused.size === 0 || attempt > 8) {
            stats.unnamed.push(`${kind} round ${round}: ${res.status} names none of ${[...pending.keys()].map((d) => d.name).join(", ")}: ${JSON.stringify(res.json).slice(0, 300)}`);
            break;
          }
          for (const def of refused) {
            stats.refused++;
            pending.delete(def);
          }
        }
      }
      // Put the record back as it was.
      const now = await viewOf(kind, id);
      const restore = await put(kind, id, { ...formBody(kind, before, new Map()), updatedAt: now.updatedAt });
      if (restore.status !== 200) stats.wrongStatus.push(`${kind}: the form's own values were refused when sent back: ${JSON.stringify(restore.json).slice(0, 300)}`);
    }
    await judge(accepted);
    expect(existsSync(MARKER), "a parse ran a command").toBe(false);
    console.log(`config fuzz (API): ${stats.values} values, ${stats.accepted} accepted, ${stats.refused} refused (4xx), ${stats.baculaRuns} Bacula runs, ${stats.readBack} read back exactly; ${stats.acceptedThenRefused.length} accepted-then-refused, ${stats.readBackDiff.length} read-back differences`);
    if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, JSON.stringify(stats, null, 1));
    expect(stats.wrongStatus).toEqual([]);
    expect(stats.unnamed).toEqual([]);
    expect(stats.acceptedThenRefused).toEqual([]);
    expect(stats.readBackDiff).toEqual([]);
    expect(stats.values).toBeGreaterThan(2000);
    expect(stats.accepted).toBeGreaterThan(300);
    expect(stats.refused).toBeGreaterThan(300);
  });
});

describe("the marker catches a command run by a parse", () => {
  it("an unchecked shell-expanded value written by hand does run one (negative control)", async () => {
    const control = path.join(tmp, "control-marker");
    const tree = await deployTree("directors");
    const text = renderTree(tree, { revision: "control" }).replace(/^(\s*QueryFile = ).*$/m, `$1"/tmp/$(touch ${control})"`);
    expect(text).toContain(`touch ${control}`);
    bacula("dir", text);
    expect(existsSync(control)).toBe(true);
    rmSync(control);
  });
});

/** Raw (unquoted) values stay on one line and inside their resource, so that one case cannot break its neighbours. */
const rawChar = fc.constantFrom(..."abcXYZ019 /._-:=`$;|&<>*?'\\~[]()!,@%^\té中😀");
const raw = fc.array(rawChar, { minLength: 1, maxLength: 30 }).map((a) => a.join(""));

interface ImportCase {
  kind: KindKey;
  def: DirectiveDef;
  /** What is written after `=` in the config. */
  written: string;
  /** The value when it was written quoted. */
  value?: string;
  name: string;
}

describe("hostile values through the importer", () => {
  it("imports what Bacula reads, exactly, or leaves the resource out naming the directive; never runs a command", { timeout: 600_000 }, async () => {
    const perField = Number(process.env.FUZZ_IMPORT_PER_FIELD ?? 12);
    const base = await deployTree("directors");
    const cases: ImportCase[] = [];
    let seed = 4242;
    let n = 0;
    for (const kind of FUZZ_KINDS) {
      if (SD_KINDS.has(kind) || kind === "directors") continue;
      for (const def of textDirectives(kind)) {
        // values as a file holds them (UTF-8: a lone surrogate is U+FFFD)
        const quoted = fc.sample(hostile, { seed: seed++, numRuns: perField }).map((v) => Buffer.from(v, "utf8").toString("utf8"));
        const bare = STORES[def.store].shellExpanded ? [] : fc.sample(raw, { seed: seed++, numRuns: perField / 2 });
        for (const value of quoted) cases.push({ kind, def, written: quote(value), value, name: `Imp${n++}` });
        for (const w of bare) cases.push({ kind, def, written: w, name: `Imp${n++}` });
      }
    }
    const counts = { values: cases.length, imported: 0, leftOut: 0, leftOutBaculaAccepts: 0, baculaRuns: 0, readBack: 0 };
    const problems: string[] = [];
    const leftOutAccepted: string[] = [];
    // Shell-expanded directives are never shown to Bacula as written (it would run them): only what the importer keeps is.
    const groups = [cases.filter((c) => STORES[c.def.store].shellExpanded), cases.filter((c) => !STORES[c.def.store].shellExpanded)];
    for (const group of groups)
      for (const batch of chunk(group, 150)) {
        // as read from a file: the text goes through UTF-8 (a lone surrogate becomes U+FFFD)
        const text = Buffer.from(importText(base, batch), "utf8").toString("utf8");
        const parsed = parseConfigText(text, path.join(tmp, "import-dir.conf"), "dir");
        const lineOf = new Map<string, number>();
        text.split("\n").forEach((l, i) => {
          const m = /^ {2}Name = "(Imp\d+)"$/.exec(l);
          if (m) lineOf.set(m[1], i + 1);
        });
        const report = await importConfigs(prisma, [parsed], { allowErrors: true, actor: "fuzz" });
        expect(report.applied, JSON.stringify(report.issues.slice(0, 3))).toBe(true);
        const director = await prisma.director.findUniqueOrThrow({ where: { name: "fuzz-import-dir" } });
        const rendered = renderTree(directorTree(await loadDirectorConfig(prisma, director.id)), { revision: "fuzz-import" });
        counts.baculaRuns++;
        const after = bacula("dir", rendered);
        if (existsSync(MARKER)) throw new Error("a parse of an imported config ran a command");
        if (!after.ok) {
          problems.push(`imported, then refused by Bacula: ${after.out.slice(0, 300)}`);
          continue;
        }
        const shellGroup = STORES[batch[0].def.store].shellExpanded;
        const left = new Set(report.leftOut.map((l) => `${l.resource}/${l.name}`));
        const typeOf = (c: ImportCase) => resourceDefOf(KINDS[c.kind].resourceKind!).name;
        const kept = batch.filter((c) => !left.has(`${typeOf(c)}/${c.name}`));
        // Bacula's own reading of what was kept (not shown shell-expanded values: it would run them)
        let before: ReturnType<typeof bacula> | undefined;
        if (!shellGroup && kept.length > 0) {
          counts.baculaRuns++;
          before = bacula("dir", importText(base, kept));
          if (existsSync(MARKER)) throw new Error("Bacula ran a command from a value that is not shell-expanded");
          if (!before.ok)
            for (const c of kept) {
              counts.baculaRuns++;
              const alone = bacula("dir", importText(base, [c]));
              if (!alone.ok) problems.push(`imported ${c.def.name} = ${c.written.slice(0, 60)}, which Bacula refuses: ${alone.out.split("\n")[1]?.slice(0, 200)}`);
            }
        }
        for (const c of batch) {
          const type = typeOf(c);
          const key = c.def.jsonKey ?? c.def.name;
          if (left.has(`${type}/${c.name}`)) {
            counts.leftOut++;
            // the error names the directive, or stands at a line of the resource (a stray token after the value)
            const start = lineOf.get(c.name) ?? -1;
            const named = report.issues.some((i) => i.severity === "error" && (i.message.includes(c.def.name) || (i.line >= start && i.line <= start + 40 && i.message.includes(typeOf(c)))));
            if (!named) problems.push(`left out without naming ${c.def.name}: ${c.written.slice(0, 60)}`);
            if (!shellGroup) {
              counts.baculaRuns++;
              if (bacula("dir", importText(base, [c])).ok) {
                counts.leftOutBaculaAccepts++;
                leftOutAccepted.push(`${c.def.name} = ${c.written.slice(0, 80)}: ${report.issues.find((i) => i.severity === "error" && i.message.includes(c.name))?.message.slice(0, 160)}`);
              }
              if (existsSync(MARKER)) throw new Error("Bacula ran a command from a value that is not shell-expanded");
            }
            continue;
          }
          const got = resourceOf(after.json, type, c.name);
          if (!got) {
            problems.push(`${type} ${c.name} (${c.def.name} = ${c.written.slice(0, 60)}) was neither imported nor left out`);
            continue;
          }
          counts.imported++;
          if (before && !before.ok) continue; // reported above, case by case
          const expected = before ? resourceOf(before.json, type, c.name)?.[key] : c.value;
          if (JSON.stringify(got[key]) === JSON.stringify(expected)) counts.readBack++;
          else problems.push(`${c.kind} ${c.def.name} = ${c.written.slice(0, 60)}: Bacula read ${JSON.stringify(expected)} from the original, ${JSON.stringify(got[key])} after the import`);
        }
      }
    expect(existsSync(MARKER), "a parse ran a command").toBe(false);
    console.log(`config fuzz (import): ${counts.values} values, ${counts.imported} imported and read back ${counts.readBack} exactly, ${counts.leftOut} left out naming the directive (${counts.leftOutBaculaAccepts} of them accepted by Bacula), ${counts.baculaRuns} Bacula runs; ${problems.length} problems`);
    if (process.env.FUZZ_DUMP) writeFileSync(`${process.env.FUZZ_DUMP}.import`, JSON.stringify({ counts, problems, leftOutAccepted }, null, 1));
    expect(problems).toEqual([]);
    expect(counts.values).toBeGreaterThan(1000);
    expect(counts.imported).toBeGreaterThan(300);
  });
});

/** The demo Director renamed, with one copy of a resource per case, its fuzzed directive written as the case says. */
function importText(base: ConfigTree, batch: ImportCase[]): string {
  const resources = base.resources.map((r) =>
    r.type === "Director" ? { ...r, items: r.items.map((it) => (it.name === "Name" ? { ...it, value: "fuzz-import-dir" } : it)) } : r,
  );
  let text = compileTree({ ...base, resources }, { text: true, checks: "values" }).text ?? "";
  for (const c of batch) {
    const type = resourceDefOf(KINDS[c.kind].resourceKind!).name;
    const node = base.resources.find((r) => r.type === type && nameItem(r) === targetName.get(c.kind))!;
    const copy: ResourceNode = { ...node, items: [...node.items.filter((it) => it.name !== "Name" && it.name !== c.def.name), { kind: "directive", name: "Name", value: c.name }] };
    const body = compileTree({ daemon: "dir", resources: [copy] }, { text: true, checks: "values" }).text!.trimEnd();
    text += `${body.slice(0, body.lastIndexOf("}"))}  ${c.def.name} = ${c.written}\n}\n`;
  }
  return text;
}

function nameItem(r: ResourceNode): string | undefined {
  const it = r.items.find((i) => i.name === "Name");
  return it && it.kind === "directive" && typeof it.value === "string" ? it.value : undefined;
}

async function deployTree(kind: KindKey): Promise<ConfigTree> {
  if (SD_KINDS.has(kind)) return storageDaemonTree(await loadStorageDaemonConfig(prisma, targets.get("storage-daemons")!));
  return directorTree(await loadDirectorConfig(prisma, targets.get("directors")!));
}

async function judge(accepted: Accepted[]) {
  // the trees a deploy renders now
  const trees = { dir: await deployTree("directors"), sd: await deployTree("storage-daemons") };
  const byKind = new Map<KindKey, Accepted[]>();
  for (const a of accepted) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a]);
  for (const [kind, cases] of byKind) {
    const daemon = SD_KINDS.has(kind) ? "sd" : "dir";
    const tree = trees[daemon];
    const type = resourceDefOf(KINDS[kind].resourceKind!).name;
    const node = tree.resources.find((r) => r.type === type && nameItem(r) === targetName.get(kind))!;
    const single = kind === "directors" || kind === "storage-daemons";
    const batches = single ? cases.map((c) => [c]) : chunk(cases, 200);
    for (const batch of batches) {
      const names = batch.map((_, i) => (single ? targetName.get(kind)! : `Fuzz${kind.replace(/[^a-z]/g, "")}${i}`));
      const t = single
        ? { ...tree, resources: tree.resources.map((r) => (r === node ? { ...r, items: [...r.items.filter((it) => it.name !== batch[0].def.name), { kind: "directive" as const, name: batch[0].def.name, value: batch[0].value }] } : r)) }
        : withCopies(tree, node, batch, (i) => names[i]);
      for (const c of batch)
        if (c.def.name === "WorkingDirectory" && kind === "directors") {
          const where = path.resolve(tmp, c.value);
          if (where.startsWith(`${WORK}/`)) mkdirSync(where, { recursive: true });
        }
      const text = renderTree(t, { revision: "fuzz" });
      stats.baculaRuns++;
      const r = bacula(daemon, text);
      if (existsSync(MARKER)) throw new Error(`a parse ran a command: ${batch.map((b) => JSON.stringify(b.value)).join(", ")}`);
      if (!r.ok) {
        stats.acceptedThenRefused.push(`${kind} ${batch.map((b) => `${b.def.name}=${JSON.stringify(b.value).slice(0, 50)}`).join(" | ").slice(0, 300)}: ${r.out.slice(0, 300)}`);
        continue;
      }
      batch.forEach((c, i) => {
        const res = resourceOf(r.json, type, names[i]);
        const key = c.def.jsonKey ?? c.def.name;
        const got = res?.[key];
        // RunBeforeJob and the like are shown as the RunScript they make
        const inScript = Array.isArray(got) && got.some((r: Record<string, unknown>) => r.Command === c.value || r.Console === c.value);
        if (got === c.value || inScript) stats.readBack++;
        else stats.readBackDiff.push(`${kind} ${c.def.name}: Bacula read ${JSON.stringify(got)} for ${JSON.stringify(c.value)}`);
      });
    }
  }
}

function chunk<T>(a: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n));
  return out;
}

