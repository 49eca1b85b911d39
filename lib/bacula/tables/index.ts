/**
 * The directive tables of every daemon, and the look-ups the parser, renderer and validator use.
 * Pure: no I/O. Look-ups are cached per resource or block (one Map each, built on first use).
 */
import { CONSOLE_TABLE } from "./console";
import { DIR_TABLE } from "./dir";
import { FD_TABLE } from "./fd";
import { SD_TABLE } from "./sd";
import type { BlockDef, Daemon, DaemonTable, DirectiveDef, ResourceDef, Version } from "./types";

export type * from "./types";
export { CONSOLE_TABLE, DIR_TABLE, FD_TABLE, SD_TABLE };
export { MESSAGE_TYPES, MESSAGES_DIRECTIVES, MESSAGES_RESOURCE, type MessageType } from "./messages";
export {
  ADDRESS_BLOCK_KEYWORDS,
  LABEL_TYPES,
  SCHEDULE_TIME_KEYWORDS,
  SCHEDULE_TIME_WORDS,
  STATISTICS_RESOURCE,
  type ScheduleOverride,
  type ScheduleOverrideValue,
  type ScheduleWord,
  type ScheduleWordKind,
} from "./common";
export {
  EXCLUDE_BLOCK,
  INCLUDE_BLOCK,
  JOB_LEVELS,
  JOB_TYPES,
  OPTIONS_BLOCK,
  REPLACE_OPTIONS,
  RUNSCRIPT_BLOCK,
  SCHEDULE_RUN_OVERRIDE_DEFS,
  SCHEDULE_RUN_OVERRIDES,
  SELECTION_TYPES,
} from "./dir";
export { DEVICE_TYPES } from "./sd";
export { SCHEDULE_CONNECT_OVERRIDE_DEFS, SCHEDULE_CONNECT_OVERRIDES } from "./fd";

export const TABLES: Readonly<Record<Daemon, DaemonTable>> = {
  dir: DIR_TABLE,
  sd: SD_TABLE,
  fd: FD_TABLE,
  console: CONSOLE_TABLE,
};

/**
 * The form in which Bacula compares keywords (resource types, directives, sub-block keywords):
 * its lexer drops blanks inside an identifier (space, tab, CR, VT, FF; a newline ends it) and the
 * parser compares with strcasecmp, i.e. ASCII case-insensitively. So `Maximum Concurrent Jobs`,
 * `maximumconcurrentjobs` and `MaximumConcurrentJobs` are one keyword. (An identifier is made of
 * ASCII letters only: a digit, `_` or `-` turns the token into a string, which is no keyword.)
 */
export function normalizeKeyword(keyword: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword.charCodeAt(i);
    const blank = c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
    const upper = c >= 65 && c <= 90;
    if (!blank && !upper) continue;
    out += keyword.slice(start, i);
    if (upper) out += String.fromCharCode(c + 32);
    start = i + 1;
  }
  return start === 0 ? keyword : out + keyword.slice(start);
}

/** ASCII-only lower case, as strcasecmp compares (no Unicode case folding). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

type Keyed = ResourceDef | BlockDef;

const directiveMaps = new WeakMap<Keyed, Map<string, DirectiveDef>>();
const resourceMaps = new Map<Daemon, Map<string, ResourceDef>>();

function buildDirectiveMap(owner: Keyed): Map<string, DirectiveDef> {
  const map = new Map<string, DirectiveDef>();
  for (const def of owner.directives) {
    for (const kw of [def.name, ...(def.aliases ?? [])]) {
      const key = normalizeKeyword(kw);
      // Like Bacula's linear search, the first row with a keyword wins.
      if (!map.has(key)) map.set(key, def);
    }
  }
  return map;
}

/** The resource type a keyword opens in a daemon's config (`Autochanger` is the Director's Storage). */
export function findResource(daemon: Daemon, keyword: string): ResourceDef | undefined {
  let map = resourceMaps.get(daemon);
  if (!map) {
    map = new Map();
    for (const res of TABLES[daemon].resources) {
      for (const kw of [res.name, ...(res.aliases ?? [])]) {
        const key = normalizeKeyword(kw);
        if (!map.has(key)) map.set(key, res);
      }
    }
    resourceMaps.set(daemon, map);
  }
  return map.get(normalizeKeyword(keyword));
}

/** The directive a keyword names inside a resource or a sub-block (RunScript, Include, Options...). */
export function findDirective(owner: Keyed, keyword: string): DirectiveDef | undefined {
  let map = directiveMaps.get(owner);
  if (!map) {
    map = buildDirectiveMap(owner);
    directiveMaps.set(owner, map);
    // Canonical names as written (a tree's items) hit without normalizing.
    for (const def of owner.directives) if (!map.has(def.name)) map.set(def.name, def);
  }
  return map.get(keyword) ?? map.get(normalizeKeyword(keyword));
}

/**
 * Compares two versions numerically part by part ("13.0" < "13.0.3" < "15.0" < "15.0.3");
 * missing parts count as 0, so "15" equals "15.0.0". Returns -1, 0 or 1.
 */
const versionCache = new Map<string, number[]>();
function versionParts(v: Version): number[] {
  let p = versionCache.get(v);
  if (!p) {
    p = v.split(".").map((x) => Number.parseInt(x, 10) || 0);
    if (versionCache.size < 1000) versionCache.set(v, p);
  }
  return p;
}

export function compareVersions(a: Version, b: Version): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function inRange(version: Version, since: Version | undefined, until: Version | undefined): boolean {
  if (since !== undefined && compareVersions(version, since) < 0) return false;
  if (until !== undefined && compareVersions(version, until) >= 0) return false;
  return true;
}

/**
 * Whether `version` has the directive (or resource), and, given a value, whether that value is
 * one the version accepts. Values are checked only for directives that list `values`; they match
 * case-insensitively like Bacula's parser, except where the runtime compares exactly
 * (`caseSensitiveValues`, StorageGroupPolicy): there only the canonical spelling counts.
 */
export function supports(version: Version, def: DirectiveDef | ResourceDef, value?: string): boolean {
  if (!inRange(version, def.since, def.until)) return false;
  if (value === undefined || !("store" in def) || !def.values) return true;
  const canonical = canonicalValue(def, value);
  if (canonical === undefined) return false;
  if (def.caseSensitiveValues && canonical !== value) return false;
  return inRange(version, def.valueSince?.[canonical], def.valueUntil?.[canonical]);
}

/** The table's spelling of a value (`gzip9` -> `Gzip9`), or undefined when the directive does not list it. */
export function canonicalValue(def: DirectiveDef, value: string): string | undefined {
  if (!def.values) return undefined;
  const v = asciiLower(value);
  return def.values.find((x) => asciiLower(x) === v);
}

/** The values of a keyword directive that `version` accepts, in table order. */
export function valuesFor(def: DirectiveDef, version: Version): readonly string[] {
  if (!def.values) return [];
  return def.values.filter((v) => inRange(version, def.valueSince?.[v], def.valueUntil?.[v]));
}

/** The directives of a resource or block that `version` accepts, in table order. */
export function directivesFor(owner: Keyed, version: Version): readonly DirectiveDef[] {
  return owner.directives.filter((def) => inRange(version, def.since, def.until));
}

/** The resource types of a daemon that `version` accepts, in table order. */
export function resourcesFor(daemon: Daemon, version: Version): readonly ResourceDef[] {
  return TABLES[daemon].resources.filter((res) => inRange(version, res.since, res.until));
}
