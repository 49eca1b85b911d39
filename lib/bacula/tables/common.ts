/**
 * Pieces every daemon's table shares: the row helper, the TLS directives, the Statistics resource
 * (lib/parse_conf.c) and the time keywords of Schedule `Run =` / FD Schedule `Connect =` lines.
 */
import type { DirectiveDef, ResourceDef, StoreFn } from "./types";

type Opts = Omit<DirectiveDef, "name" | "store">;

/** Every field of a row, in the order each row holds them. */
const ROW_FIELDS = [
  "name",
  "aliases",
  "store",
  "ref",
  "values",
  "valueSince",
  "valueUntil",
  "caseSensitiveValues",
  "required",
  "default",
  "repeatable",
  "allowDups",
  "appliesToFollowing",
  "maxLines",
  "since",
  "until",
  "deprecated",
  "block",
  "jsonKey",
  "jsonHiddenAliases",
  "requiredUnless",
  "excludes",
  "destination",
  "letters",
  "secret",
  "help",
] as const satisfies readonly (keyof DirectiveDef)[];
// A field of DirectiveDef missing above does not compile.
const allRowFields: Exclude<keyof DirectiveDef, (typeof ROW_FIELDS)[number]> extends never ? true : never = true;
void allRowFields;

/**
 * One directive row. Every row has every field (undefined where the table says nothing), in one
 * order: the code that reads rows for each directive of a big config (the walk, the parser) then
 * meets one object shape, which V8 keeps fast, instead of one shape per combination of options.
 */
export function d(name: string, store: StoreFn, opts: Opts = {}): DirectiveDef {
  const given: Partial<Record<keyof DirectiveDef, unknown>> = { ...opts, name, store };
  const row: Partial<Record<keyof DirectiveDef, unknown>> = {};
  for (const f of ROW_FIELDS) row[f] = given[f];
  return row as unknown as DirectiveDef;
}

/** Name = ... (ITEM_REQUIRED in every resource) and Description = ... */
export const NAME: DirectiveDef = d("Name", "name", { required: true });
export const DESCRIPTION: DirectiveDef = d("Description", "str");

const TLS_ROWS = {
  TlsAuthenticate: d("TlsAuthenticate", "bool"),
  TlsEnable: d("TlsEnable", "bool"),
  // The default is on where Bacula was built with TLS-PSK (Debian's build is).
  TlsPskEnable: d("TlsPskEnable", "bool", { default: true }),
  TlsRequire: d("TlsRequire", "bool"),
  TlsVerifyPeer: d("TlsVerifyPeer", "bool", { default: true }),
  TlsCaCertificateFile: d("TlsCaCertificateFile", "dir"),
  TlsCaCertificateDir: d("TlsCaCertificateDir", "dir"),
  TlsCertificate: d("TlsCertificate", "dir"),
  TlsKey: d("TlsKey", "dir"),
  TlsDhFile: d("TlsDhFile", "dir"),
  TlsAllowedCn: d("TlsAllowedCn", "alist_str", { repeatable: true }),
} as const satisfies Record<string, DirectiveDef>;

export type TlsName = keyof typeof TLS_ROWS;

/** The TLS rows a resource has, in the order given (resources differ in which ones they have). */
export function tls(...names: TlsName[]): DirectiveDef[] {
  return names.map((n) => TLS_ROWS[n]);
}

/** The eight TLS rows every TLS-capable resource has. */
export const TLS_BASE: readonly TlsName[] = [
  "TlsAuthenticate",
  "TlsEnable",
  "TlsPskEnable",
  "TlsRequire",
  "TlsCaCertificateFile",
  "TlsCaCertificateDir",
  "TlsCertificate",
  "TlsKey",
];

/** Base rows plus peer verification, DH parameters and allowed CNs (Director-facing resources). */
export const TLS_FULL: readonly TlsName[] = [
  "TlsAuthenticate",
  "TlsEnable",
  "TlsPskEnable",
  "TlsRequire",
  "TlsVerifyPeer",
  "TlsCaCertificateFile",
  "TlsCaCertificateDir",
  "TlsCertificate",
  "TlsKey",
  "TlsDhFile",
  "TlsAllowedCn",
];

/**
 * The grammar of an `addresses` store (DirAddresses, SdAddresses, FdAddresses; lib/address_conf.c):
 * `= { ip = { addr = <host>; port = <port>; } ipv4 = {...} ipv6 = {...} }`, one or more entries,
 * each with an optional addr and an optional port (a number or a service name).
 */
export const ADDRESS_BLOCK_KEYWORDS = { families: ["ip", "ipv4", "ipv6"], fields: ["addr", "port"] } as const;

/**
 * Service names a listen port may be given as (DirPort = bacula-dir, port = bacula-sd in an
 * addresses block): Bacula resolves a port that is not a number in 1..65534 with
 * getservbyname(name, "tcp") on the daemon's host (lib/address_conf.c add_address). These are the
 * Bacula services IANA registers (and Debian's /etc/services lists); any other name is the host's
 * own, which the dashboard cannot know.
 */
export const SERVICE_PORTS: Readonly<Record<string, number>> = { "bacula-dir": 9101, "bacula-fd": 9102, "bacula-sd": 9103 };

/** A listen port's number: a number in 1..65534 as Bacula reads one (digits), or a known service name; undefined otherwise. */
export function listenPort(v: string | number): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) && v >= 1 && v <= 65534 ? v : undefined;
  if (/^\d+$/.test(v)) return listenPort(Number(v));
  return Object.hasOwn(SERVICE_PORTS, v) ? SERVICE_PORTS[v] : undefined;
}

/** tapelabels (lib/parse_conf.c): Pool and Device Label Type */
export const LABEL_TYPES = ["Bacula", "ANSI", "IBM"] as const;

/** Statistics (collector_items of lib/parse_conf.c), the same in Director, SD and FD. */
export const STATISTICS_RESOURCE: ResourceDef = {
  name: "Statistics",
  directives: [
    NAME,
    DESCRIPTION,
    d("Prefix", "str"),
    d("Metrics", "alist_str", { repeatable: true, help: "Metric name patterns to send; all when absent." }),
    d("Interval", "time", { default: 300 }),
    d("Port", "pint32"),
    d("Host", "str"),
    d("Type", "coll_type", { required: true, values: ["CSV", "Graphite"] }),
    d("File", "str"),
    d("MangleMetric", "bool"),
  ],
};

/** What the value of a Schedule override (`Keyword=value` before the time part) is, as run_conf.c reads it. */
export type ScheduleOverrideValue = "level" | "pool" | "storage" | "messages" | "priority" | "yesno" | "duration";

export interface ScheduleOverride {
  name: string;
  value: ScheduleOverrideValue;
}

/** What a word of a Schedule's time part sets (RUNBASE::store_runbase's states). */
export type ScheduleWordKind = "none" | "at" | "lastday" | "wday" | "month" | "daily" | "weekly" | "monthly" | "hourly" | "wom";

export interface ScheduleWord {
  word: string;
  kind: ScheduleWordKind;
  /** Day of the week (sun = 0), month (jan = 0) or position in the month (1st = 0). */
  code: number;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const POSITIONS = ["first", "second", "third", "fourth", "fifth", "sixth"];
const ORDINALS = ["1st", "2nd", "3rd", "4th", "5th", "6th"];

/**
 * Words the time part of a Schedule `Run =` (Director) or `Connect =` (File Daemon) line may use
 * (RUNBASE::store_runbase, lib/parse_conf.c), besides day numbers 1-31, `hh:mm` (with am/pm),
 * week numbers w00-w53 and `a-b` ranges of days, weeks, weekdays, months and positions. Matched
 * case-insensitively; week days and months also by their first three letters. The same in 13.0
 * and 15.0.
 */
export const SCHEDULE_TIME_WORDS: readonly ScheduleWord[] = [
  { word: "on", kind: "none", code: 0 },
  { word: "at", kind: "at", code: 0 },
  { word: "lastday", kind: "lastday", code: 0 },
  ...WEEKDAYS.map((w, code) => ({ word: w.slice(0, 3), kind: "wday" as const, code })),
  ...MONTHS.map((w, code) => ({ word: w.slice(0, 3), kind: "month" as const, code })),
  ...WEEKDAYS.map((word, code) => ({ word, kind: "wday" as const, code })),
  ...MONTHS.filter((w) => w !== "may").map((word) => ({ word, kind: "month" as const, code: MONTHS.indexOf(word) })),
  { word: "daily", kind: "daily", code: 0 },
  { word: "weekly", kind: "weekly", code: 0 },
  { word: "monthly", kind: "monthly", code: 0 },
  { word: "hourly", kind: "hourly", code: 0 },
  ...ORDINALS.map((word, code) => ({ word, kind: "wom" as const, code })),
  ...POSITIONS.map((word, code) => ({ word, kind: "wom" as const, code })),
];

export const SCHEDULE_TIME_KEYWORDS: readonly string[] = SCHEDULE_TIME_WORDS.map((w) => w.word);
