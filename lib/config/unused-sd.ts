/**
 * A Storage Daemon that no Director's Storage uses: the dashboard renders an SD's Director resources
 * from the Storages on it (lib/config/from-db.ts), so such an SD has none, and Bacula refuses a
 * bacula-sd.conf without one. It is not part of any Director's topology yet (made in the dashboard
 * before its Storages, or a placeholder edited after its Storages moved to the real SD): the tree's
 * render and the deploy plan say so and leave it out, rather than fail on it.
 */
import type { StorageDaemonConfig } from "@/lib/bacula";

export function unusedStorageDaemon(cfg: StorageDaemonConfig): boolean {
  return cfg.directors.length === 0 && !(cfg.others ?? []).some((o) => o.type === "Director");
}

export function unusedSdMessage(name: string, placeholder: boolean): string {
  return `Storage Daemon ${JSON.stringify(name)} is left out: no Director has a Storage on it, so no Director could connect to it `
    + `(Bacula needs at least one Director resource in bacula-sd.conf). `
    + (placeholder
      ? "It is a placeholder an import made for a Director's Storages, which now use another Storage Daemon: delete it on the Storage Daemons page."
      : "Add a Storage on it to a Director, or delete it on the Storage Daemons page.");
}
