/**
 * The database mapping of the typed model: which typed keys of a resource kind are columns of its
 * table (the app reasons about them: names, references, storage groups, addresses, passwords…);
 * every other typed key and every generic item goes, in order, into the row's `extra` JSON.
 * Import and inventory saves both write through this; from-db.ts reads it back.
 */
import type { Item } from "@/lib/bacula/tree";
import { destToItem, typedToNode, type MessageDestination, type Obj, type ResourceKind } from "@/lib/bacula/typed";

export const COLUMN_KEYS: Partial<Record<ResourceKind, readonly string[]>> = {
  Director: ["name", "port", "password", "queryFile", "workingDirectory", "pidDirectory", "maxConcurrentJobs"],
  Catalog: ["name", "dbName", "dbUser", "dbPassword", "dbAddress", "dbPort"],
  Storage: ["name", "address", "sdPort", "password", "device", "mediaType", "maxConcurrentJobs", "autochanger"],
  Pool: ["name", "poolType", "volumeRetention", "labelFormat", "maximumVolumeBytes", "maximumVolumes", "recycle", "autoPrune", "nextPool", "storage", "storageGroupPolicy", "storageGroupPolicyThreshold"],
  Client: ["name", "address", "fdPort", "password", "catalog", "fileRetention", "jobRetention", "autoPrune"],
  FileSet: ["name", "include", "exclude", "signature", "compression"],
  Schedule: ["name", "run", "enabled"],
  Messages: ["name", "destinations"],
  JobDefs: ["name", "type", "level", "pool", "client", "fileset", "schedule", "messages", "storage", "storageGroupPolicy", "priority"],
  Job: [
    "name", "type", "level", "enabled", "jobDefs", "pool", "nextPool", "client", "fileset", "schedule", "messages", "storage",
    "storageGroupPolicy", "storageGroupPolicyThreshold", "selectionType", "selectionPattern", "run", "runScripts", "priority", "maxConcurrentJobs",
  ],
  SdStorage: ["name", "sdPort", "workingDirectory", "pidDirectory", "maxConcurrentJobs"],
  Device: ["name", "mediaType", "archiveDevice", "deviceType", "labelMedia", "randomAccess", "automaticMount", "removableMedia", "alwaysOpen", "autochanger", "maximumConcurrentJobs"],
};

const NAME_ONLY: readonly string[] = ["name"];
/** The column keys as a set, made once per list (an import splits thousands of resources). */
const keySets = new WeakMap<readonly string[], ReadonlySet<string>>();
function columnKeySet(list: readonly string[]): ReadonlySet<string> {
  let set = keySets.get(list);
  if (!set) keySets.set(list, (set = new Set(list)));
  return set;
}

/**
 * Splits a typed resource into the values that have columns and the generic items of the rest
 * (typed keys without a column are turned back into their directives, before the kept `extra`).
 * A value a column cannot hold (a Storage Autochanger naming another Storage) stays an item.
 */
export function splitColumns(kind: ResourceKind, obj: Obj): { cols: Obj; extra: Item[] } {
  const keys = columnKeySet(COLUMN_KEYS[kind] ?? NAME_ONLY);
  const cols: Obj = {};
  const rest: Obj = { name: obj.name };
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined || k === "extra" || k === "keyword") continue;
    if (kind === "Storage" && k === "autochanger" && typeof v !== "boolean") {
      rest[k] = v;
      continue;
    }
    if (keys.has(k)) cols[k] = v;
    else rest[k] = v;
  }
  const items = typedToNode(kind, rest).items.filter((i) => !(i.kind === "directive" && i.name === "Name"));
  const extra = [...items, ...((obj.extra as Item[] | undefined) ?? [])];
  // Messages: destinations follow the MailCommand / OperatorCommand lines they use, so once
  // anything is in extra the destinations join it, after it.
  if ((kind === "Messages" || kind === "SdMessages") && extra.length > 0 && Array.isArray(cols.destinations)) {
    extra.push(...(cols.destinations as MessageDestination[]).map(destToItem));
    cols.destinations = [];
  }
  return { cols, extra };
}
