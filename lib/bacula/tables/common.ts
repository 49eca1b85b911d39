/**
 * Pieces every daemon's table shares: the row helper, the TLS directives, the Statistics resource
 * (lib/parse_conf.c) and the time keywords of Schedule `Run =` / FD Schedule `Connect =` lines.
 */
import type { DirectiveDef, ResourceDef, StoreFn } from "./types";

type Opts = Omit<DirectiveDef, "name" | "store">;

/** One directive row. */
export function d(name: string, store: StoreFn, opts: Opts = {}): DirectiveDef {
  return { name, store, ...opts };
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

/**
 * Words the time part of a Schedule `Run =` (Director) or `Connect =` (File Daemon) line may use
 * (RUNBASE::store_runbase, lib/parse_conf.c), besides day numbers 1-31, `hh:mm` (with am/pm),
 * week numbers w00-w53 and `a-b` ranges of any of them. Matched case-insensitively. The same in
 * 13.0 and 15.0.
 */
export const SCHEDULE_TIME_KEYWORDS: readonly string[] = [
  "on",
  "at",
  "lastday",
  "sun", "mon", "tue", "wed", "thu", "fri", "sat",
  "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
  "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
  "january", "february", "march", "april", "june", "july", "august", "september", "october",
  "november", "december",
  "daily", "weekly", "monthly", "hourly",
  "1st", "2nd", "3rd", "4th", "5th", "6th",
  "first", "second", "third", "fourth", "fifth", "sixth",
];
