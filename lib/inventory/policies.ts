/** First Bacula version that accepts each StorageGroupPolicy value (canonical spelling). */
export const STORAGE_GROUPS_FIRST_VERSION = "13.0";

const POLICY_FIRST_VERSION: Record<string, string> = {
  ListedOrder: "13.0",
  LeastUsed: "13.0",
  FreeSpace: "15.0",
  FreeSpaceLeastUsed: "15.0",
  LastBackupedTo: "15.0",
};

export function policyFirstVersion(policy: string): string | null {
  return POLICY_FIRST_VERSION[policy] ?? null;
}
