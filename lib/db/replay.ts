/**
 * A transaction's recorded direct statements (direct.ts recordStatements) run again in another
 * transaction, each checked against the rows it gave the first time: the Import page's import
 * applies the statements its dry run ran, instead of working them out again, when the database
 * answers every one of them as it did then (the same rows read, the same ids given to the rows
 * created). Any other answer stops the replay (StaleRecording) and the caller works the import out
 * afresh: a replay either writes exactly what the dry run wrote, or nothing it keeps.
 *
 * The one value that differs by design is the clock: the dry run stamped the rows it created or
 * updated with its time; the replay stamps them with its own. That time is replaced only where it
 * is a DateTime column of an INSERT's rows or of an UPDATE's SET list (the schema's types); the same
 * text anywhere else makes the recording unfit for a replay (StaleRecording before anything runs).
 */
import { Prisma } from "@prisma/client";
import { jsonEqual } from "@/lib/json/equal";
import { directQuery, type DirectArg, type Probeable, type RecordedStatement } from "./direct";

export class StaleRecording extends Error {
  constructor(why: string) {
    super(`the recorded statements cannot be replayed: ${why}`);
    this.name = "StaleRecording";
  }
}

const INSERT = /^INSERT INTO "([A-Za-z_][A-Za-z0-9_]*)" \(([^)]*)\) VALUES /;
/** lib/db/bulk.ts bulkUpdate's statement on SQLite: the columns' values in order, then the id. */
const UPDATE = /^UPDATE "([A-Za-z_][A-Za-z0-9_]*)" SET ((?:"[A-Za-z_][A-Za-z0-9_]*" = \?(?:, )?)+) WHERE "id" = \?$/;

const dateColumns = new Map<string, Set<string>>();

/** The DateTime columns of a table, as prisma/schema.prisma declares them. */
function dateColumnsOf(table: string): Set<string> {
  const known = dateColumns.get(table);
  if (known) return known;
  const model = Prisma.dmmf.datamodel.models.find((m) => (m.dbName ?? m.name) === table);
  const set = new Set((model?.fields ?? []).filter((f) => f.kind === "scalar" && f.type === "DateTime").map((f) => f.dbName ?? f.name));
  dateColumns.set(table, set);
  return set;
}

/** Which column each bound argument of a statement is (repeating for INSERT's VALUES rows); none for other statements. */
function boundColumns(sql: string): { table: string; cols: string[]; rows: boolean } | undefined {
  const names = (list: string) => [...list.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)"/g)].map((x) => x[1]);
  const ins = INSERT.exec(sql);
  if (ins) return { table: ins[1], cols: names(ins[2]), rows: true };
  const up = UPDATE.exec(sql);
  if (up) return { table: up[1], cols: [...names(up[2]), "id"], rows: false };
  return undefined;
}

/**
 * The statement's arguments with the clock moved from `from` to `to`: in the DateTime columns of an
 * INSERT's VALUES rows (bound in column order, row after row) or of bulkUpdate's SET list. Throws
 * StaleRecording when `from` is bound anywhere else.
 */
function moved(st: RecordedStatement, from: DirectArg, to: DirectArg): { args?: DirectArg[]; argLists?: DirectArg[][] } {
  const shape = boundColumns(st.sql);
  const cols = shape?.cols ?? [];
  const dates = shape ? dateColumnsOf(shape.table) : new Set<string>();
  const text = typeof from === "string" ? from : undefined;
  const one = (args: readonly DirectArg[]): DirectArg[] => {
    const out = [...args];
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      const exact = v === from;
      // (Inside a longer text too: rows sent as one JSON text, a value that quotes it.)
      if (!exact && !(text !== undefined && typeof v === "string" && v.includes(text))) continue;
      const col = shape?.rows ? cols[i % cols.length] : cols[i];
      if (!exact || col === undefined || !dates.has(col)) throw new StaleRecording(`the recorded time is bound outside a created row's timestamps (${st.sql.slice(0, 60)}…)`);
      out[i] = to;
    }
    return out;
  };
  return st.argLists ? { argLists: st.argLists.map(one) } : { args: one(st.args ?? []) };
}

/** The rows as recorded, a value that was the recorded time being the replay's (a row read back after it was stamped). */
function sameRows(got: readonly Record<string, unknown>[], recorded: readonly Record<string, unknown>[], clock: { from: DirectArg; to: DirectArg }): boolean {
  if (got.length !== recorded.length) return false;
  for (let i = 0; i < got.length; i++) {
    const a = got[i];
    const b = recorded[i];
    const keys = Object.keys(b);
    if (Object.keys(a).length !== keys.length) return false;
    for (const k of keys) {
      const want = b[k] === clock.from ? clock.to : b[k];
      if (!Object.prototype.hasOwnProperty.call(a, k) || !jsonEqual(a[k], want)) return false;
    }
  }
  return true;
}

/**
 * Runs `log` on `tx`'s own connection, in order, the clock moved from `from` to `to`; throws
 * StaleRecording (the transaction is then the caller's to roll back) when a statement's rows differ
 * from the recorded ones, or when `tx` offers no connection that repeats statements as the recording's did.
 */
export async function replayStatements(tx: Probeable, log: readonly RecordedStatement[], clock: { from: DirectArg; to: DirectArg }): Promise<void> {
  const run = await directQuery(tx);
  // (Only where statements are repeated with bound values, as SQLite's connection does: elsewhere
  // rows travel as one JSON text, whose timestamps this would not move.)
  if (!run?.repeat) throw new StaleRecording("this transaction's connection does not repeat statements");
  // Every argument list first: a recording that cannot be replayed runs nothing.
  const prepared = log.map((st) => ({ st, ...moved(st, clock.from, clock.to) }));
  for (const { st, args, argLists } of prepared) {
    let rows: readonly Record<string, unknown>[];
    rows = argLists ? await run.repeat(st.sql, argLists) : await run(st.sql, args ?? []);
    if (!sameRows(rows, st.rows, clock)) throw new StaleRecording(`the database answers ${st.sql.slice(0, 60)}… otherwise than it did`);
  }
}
