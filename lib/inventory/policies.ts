import { findDirective, findResource } from "@/lib/bacula/tables";

/** Storage groups and their policies, with the first Bacula version of each, from the directive table. */
const policySpec = (() => {
  const pool = findResource("dir", "Pool");
  const spec = pool ? findDirective(pool, "StorageGroupPolicy") : undefined;
  if (!spec) throw new Error("directive table lacks Pool.StorageGroupPolicy");
  return spec;
})();

/** Storage groups exist from Bacula 13.0 (community); 9.6 takes a list but uses only the first. */
export const STORAGE_GROUPS_FIRST_VERSION = policySpec.since ?? "13.0";

export function policyFirstVersion(policy: string): string | null {
  if (!policySpec.values?.includes(policy)) return null;
  return policySpec.valueSince?.[policy] ?? STORAGE_GROUPS_FIRST_VERSION;
}
