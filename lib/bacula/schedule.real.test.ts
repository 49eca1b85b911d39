/**
 * Schedule lines judged by Bacula itself: every line, hand-picked or generated, gets the same
 * verdict from our grammar (through the whole parse: lexer, Run reader, value and reference
 * checks) as from Debian's 15.0.3 bdirjson / bfdjson.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkTree } from "./check-tree";
import { parseTree } from "./parser";
import { requireBaculaBinary } from "./testing/bacula-bin";

const run = promisify(execFile);
const root = mkdtempSync(path.join(os.tmpdir(), "schedule-real-"));
const work = path.join(root, "work");
mkdirSync(work);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dirConfig(lines: string[]): string {
  return `Director { Name = d; Password = "p"; WorkingDirectory = "${work}"; PidDirectory = "${work}"; Messages = M; QueryFile = "/etc/bacula/scripts/query.sql" }
Messages { Name = M; console = all }
Catalog { Name = C; dbname = bacula; user = bacula; password = "" }
Pool { Name = P; Pool Type = Backup }
Pool { Name = "My Pool"; Pool Type = Backup }
Storage { Name = S; Address = localhost; Password = x; Device = D; Media Type = F }
Client { Name = fd; Address = localhost; Password = x; Catalog = C }
FileSet { Name = FS; Include { File = /etc } }
Job { Name = J; Type = Backup; Client = fd; FileSet = FS; Pool = P; Storage = S; Messages = M; Schedule = Sch }
Schedule { Name = Sch
${lines.map((l) => `  Run = ${l}`).join("\n")}
}
`;
}

function fdConfig(lines: string[]): string {
  return `FileDaemon { Name = f; WorkingDirectory = "${work}"; PidDirectory = "${work}" }
Director { Name = d; Password = "x" }
Messages { Name = M; console = all }
Schedule { Name = Sch
${lines.map((l) => `  Connect = ${l}`).join("\n")}
}
`;
}

type Daemon = "dir" | "fd";

/** Our verdict on the whole config: the error messages (none = accepted). */
function ours(daemon: Daemon, lines: string[]): string[] {
  const text = daemon === "dir" ? dirConfig(lines) : fdConfig(lines);
  const { tree, issues } = parseTree(text, daemon);
  return [...issues.filter((i) => i.severity === "error").map((i) => i.message), ...checkTree(tree, { version: "15.0.3", externalRefs: new Set(["Device"]) }).filter((p) => p.severity === "error").map((p) => p.message)];
}

let seq = 0;
/** Bacula's verdict: true when its parser accepts the config. */
async function bacula(daemon: Daemon, lines: string[]): Promise<boolean> {
  const bin = requireBaculaBinary(daemon === "dir" ? "bdirjson" : "bsdjson").replace(/bsdjson$/, "bfdjson");
  const file = path.join(root, `c${seq++}.conf`);
  writeFileSync(file, daemon === "dir" ? dirConfig(lines) : fdConfig(lines));
  try {
    await run(bin, ["-t", "-c", file], { timeout: 20_000 });
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === 1) return false;
    throw e;
  }
}

async function pool<T, R>(items: T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Compares verdicts: lines we accept are checked together (one config, Bacula must accept it;
 * when it does not, each is tried alone to name the culprit), lines we refuse one by one.
 */
async function compare(daemon: Daemon, lines: string[]) {
  const accepted = lines.filter((l) => ours(daemon, [l]).length === 0);
  const refused = lines.filter((l) => !accepted.includes(l));
  const wrong: string[] = [];
  if (accepted.length > 0 && !(await bacula(daemon, accepted))) {
    const alone = await pool(accepted, 4, (l) => bacula(daemon, [l]));
    accepted.forEach((l, i) => {
      if (!alone[i]) wrong.push(`accepted by us, refused by Bacula: ${l}`);
    });
    if (wrong.length === 0) wrong.push("every line alone is accepted by Bacula, not all together");
  }
  const verdicts = await pool(refused, 4, (l) => bacula(daemon, [l]));
  refused.forEach((l, i) => {
    if (verdicts[i]) wrong.push(`refused by us (${ours(daemon, [l])[0]}), accepted by Bacula: ${l}`);
  });
  return { accepted: accepted.length, refused: refused.length, wrong };
}

const HAND_PICKED = [
  "Full 1st sun at 23:05",
  "Level=Full 1st sun at 23:05",
  "Differential 2nd-5th sun at 23:05",
  "Incremental mon-sat at 23:05",
  "2 jan at 12:00",
  "on 2 jan",
  "Full 1 at 12:00",
  "Full on 1,15 at 12:00",
  "Full",
  "Level=Full",
  "",
  "daily",
  "x:30",
  "at x:30",
  "at :30",
  "at 4294967296:00",
  "at 12:3",
  "at 12:30pm",
  "at 12:00am",
  "at 13:00pm",
  "at 12:30xx",
  "at 25:99",
  "at 23:60",
  "at 12:ab",
  "at +5:30",
  "mon-fri at 1:00",
  "sun-sunday",
  "w01-w05",
  "w1",
  "w54",
  "W05",
  "w53-w00",
  "Pool=P daily",
  "Pool=Q daily",
  "daily Pool=P",
  'Pool="My Pool" daily',
  "FullPool=P IncrementalPool=P DifferentialPool=P NextPool=P daily",
  'MaxRunSchedTime="10 min" daily',
  "MaxRunSchedTime=10min daily",
  'MaxRunSchedTime="" daily',
  "MaxRunSchedTime=10 min daily",
  "MaxRunSchedTime=ten daily",
  "Priority=1.5 daily",
  "Priority=-1 daily",
  "Priority=1e3 daily",
  "Priority=99999999999999999999 daily",
  '"Full" daily',
  '"daily"',
  'Level=" " daily',
  "lastday",
  "lastday-1",
  "32",
  "on 32",
  "on 0",
  "1-31",
  "0-5",
  "1st-3rd sun",
  "jan-jan",
  "feb-jan",
  "mon-Fri",
  "first-sixth",
  "Accurate=maybe daily",
  "Accurate=yes daily",
  "SpoolData=TRUE daily",
  "WritePartAfterJob=no daily",
  "Storage=S daily",
  "Storage=T daily",
  "Messages=M daily",
  "Messages=Nope daily",
  "Level=Bogus daily",
  "Level daily",
  "Level=",
  "hourly at 0:15",
  "at 12:00 daily Full",
  "Level=Full Level=Incremental daily",
  "Full Incremental daily",
  "Full on 4294967297",
  "Incremental mon-sat at 23:00, 1:00",
  "daily at 1:00 at 2:00",
  "12:00-13:00",
  "at 1:00 on 3",
  "weekly monthly hourly daily",
  "june may",
  "sept",
  `${"x".repeat(128)} daily`,
  `Pool=${"P".repeat(128)} daily`,
];

const FD_LINES = [
  "daily at 1:00",
  'MaxConnectTime="2 hours" daily',
  "MaxConnectTime=2h daily",
  "MaxConnectTime=5min",
  "Full daily",
  "Level=Full daily",
  "mon-fri at 8:00am",
  "at 8:00",
  "on 1",
  "1",
];

/** Lines that read as schedules: overrides and levels, then time words, sometimes with one foreign word put in. */
function structured(n: number): string[] {
  const head = fc.constantFrom("Full", "Incremental", "Differential", "VirtualFull", "Level=Full", "Level=Differential", "Pool=P", 'Pool="My Pool"', "FullPool=P", "NextPool=P", "Storage=S", "Messages=M", "Priority=10", "Accurate=no", "SpoolData=yes", "WritePartAfterJob=yes", 'MaxRunSchedTime="2 hours"', "MaxRunSchedTime=30min");
  const time = fc.oneof(
    fc.constantFrom("on", "daily", "weekly", "monthly", "hourly", "lastday", "sun", "mon", "Friday", "jan", "may", "July", "1st", "2nd", "last", "fifth"),
    fc.integer({ min: 0, max: 32 }).map((d) => (d === 0 ? "on" : `on ${d}`)),
    fc.tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom("", "", "am", "pm")).map(([h, m, s]) => `at ${h}:${String(m).padStart(2, "0")}${s}`),
    fc.constantFrom("mon-fri", "sat-sun", "jan-jun", "1-7", "8-14", "w01-w26", "w27-w53", "1st-3rd", "2nd-5th"),
    fc.integer({ min: 0, max: 54 }).map((w) => `w${String(w).padStart(2, "0")}`),
  );
  const foreign = fc.constantFrom("Pool=P", "Full", '"daily"', "7", "at", "=", "x", "24:00", "mon-jan");
  const line = fc
    .tuple(fc.array(head, { maxLength: 3 }), fc.array(time, { minLength: 1, maxLength: 4 }), fc.option(fc.tuple(foreign, fc.nat()), { freq: 3 }), fc.constantFrom(" ", ", "))
    .map(([h, t, f, sep]) => {
      const words = [...h, ...t];
      if (f) words.splice(f[1] % (words.length + 1), 0, f[0]);
      return h.join(" ") + (h.length ? " " : "") + words.slice(h.length).join(sep);
    });
  return fc.sample(line, { seed: 1201, numRuns: n });
}

/** Generated lines: the words of the grammar, their near misses and junk, in random order. */
function generated(n: number): string[] {
  const word = fc.oneof(
    fc.constantFrom("Full", "Incremental", "Differential", "VirtualFull", "Base", "Since", "Data", "full", "Fulll"),
    fc.constantFrom("Level=Full", "Level=Incremental", "Level=Nope", "Pool=P", "Pool=Q", 'Pool="My Pool"', "NextPool=P", "Storage=S", "Storage=X", "Messages=M", "Priority=10", "Priority=-3", "Accurate=yes", "SpoolData=no", "SpoolData=1", 'MaxRunSchedTime="1 hour"', "MaxRunSchedTime=2x"),
    fc.constantFrom("on", "at", "daily", "weekly", "monthly", "hourly", "lastday", "sun", "Mon", "TUESDAY", "jan", "May", "december", "1st", "6th", "last", "first", "sixth", "seventh"),
    fc.integer({ min: -1, max: 33 }).map(String),
    fc.constantFrom("w00", "w53", "w54", "w1", "W10", "w100"),
    fc.tuple(fc.integer({ min: -1, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.boolean(), fc.constantFrom("", "am", "pm", "x", "AM")).map(([h, m, pad, s]) => `${h}:${pad ? String(m).padStart(2, "0") : m}${s}`),
    fc.constantFrom("mon-fri", "fri-mon", "sat-sat", "jan-dec", "1-15", "15-1", "0-3", "1-32", "w01-w10", "w10-w60", "1st-3rd", "mon-jan", "a-b", "-5"),
    fc.constantFrom('"daily"', "=", "{", "#c"),
    fc.stringMatching(/^[a-z]{1,6}$/),
  );
  const line = fc.tuple(fc.array(word, { minLength: 0, maxLength: 6 }), fc.array(fc.constantFrom(" ", ", ", ","), { minLength: 6, maxLength: 6 })).map(([ws, seps]) => ws.map((w, i) => (i === 0 ? w : seps[i] + w)).join(""));
  return fc.sample(line, { seed: 20261201, numRuns: n });
}

describe("Schedule lines: our grammar against Bacula's parser", () => {
  it("hand-picked Director Run lines get Bacula's verdict", { timeout: 60_000 }, async () => {
    const r = await compare("dir", HAND_PICKED);
    expect(r.wrong).toEqual([]);
    expect(r.accepted).toBeGreaterThan(30);
    expect(r.refused).toBeGreaterThan(30);
  });

  it("generated Director Run lines get Bacula's verdict", { timeout: 120_000 }, async () => {
    const lines = [...new Set([...structured(300), ...generated(300)])];
    const r = await compare("dir", lines);
    console.log(`schedule lines: ${lines.length} generated, ${r.accepted} accepted, ${r.refused} refused, ${r.wrong.length} disagreements`);
    expect(r.wrong).toEqual([]);
    expect(r.accepted).toBeGreaterThan(100);
    expect(r.refused).toBeGreaterThan(200);
  });

  it("File Daemon Connect lines get bfdjson's verdict", { timeout: 60_000 }, async () => {
    const r = await compare("fd", FD_LINES);
    expect(r.wrong).toEqual([]);
    expect(r.accepted).toBeGreaterThan(3);
    expect(r.refused).toBeGreaterThan(3);
  });
});
