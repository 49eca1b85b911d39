/**
 * The config files the dashboard shows per record, one entry per daemon kind: which record it is
 * rendered for, the file's name, and the deploy target that carries it. The config page
 * (/config/{kind}/{id}) and its API (GET /api/config/{kind}/{id}) are generic over this table;
 * a kind is rendered once a renderer is registered for it (lib/config/daemon-config.ts). Pure and
 * client-safe.
 */
import type { KindKey } from "@/lib/inventory/fields";

export interface DaemonConfigKindMeta {
  /** What the file configures, as people call it. */
  label: string;
  /** The inventory kind of the record it is rendered for. */
  record: KindKey;
  /** The record's kind as people call it. */
  recordLabel: string;
  /** The file's name on the host. */
  file: string;
  /** The deploy target kind that carries the file (its key is `<deployKind>:<record id>`). */
  deployKind: string;
}

export const DAEMON_CONFIG_KINDS = {
  directors: { label: "Director", record: "directors", recordLabel: "Director", file: "bacula-dir.conf", deployKind: "director" },
  "storage-daemons": { label: "Storage Daemon", record: "storage-daemons", recordLabel: "Storage Daemon", file: "bacula-sd.conf", deployKind: "storage-daemon" },
  clients: { label: "File Daemon", record: "clients", recordLabel: "Client", file: "bacula-fd.conf", deployKind: "client" },
  consoles: { label: "Console (bconsole)", record: "directors", recordLabel: "Director", file: "bconsole.conf", deployKind: "director" },
} as const satisfies Record<string, DaemonConfigKindMeta>;

export type DaemonConfigKind = keyof typeof DAEMON_CONFIG_KINDS;

export function isDaemonConfigKind(v: string): v is DaemonConfigKind {
  return Object.prototype.hasOwnProperty.call(DAEMON_CONFIG_KINDS, v);
}

/** The config pages of one inventory record (a Director has its bacula-dir.conf and its bconsole.conf). */
export function configPagesOf(record: KindKey, id: number): { kind: DaemonConfigKind; file: string; href: string }[] {
  return (Object.entries(DAEMON_CONFIG_KINDS) as [DaemonConfigKind, DaemonConfigKindMeta][])
    .filter(([, m]) => m.record === record)
    .map(([kind, m]) => ({ kind, file: m.file, href: `/config/${kind}/${id}` }));
}

/** The config page of a deploy target key (`director:3` -> /config/directors/3). */
export function configPageOfTarget(key: string): string | null {
  const m = /^([a-z-]+):(\d+)$/.exec(key);
  if (!m) return null;
  const kind = (Object.entries(DAEMON_CONFIG_KINDS) as [DaemonConfigKind, DaemonConfigKindMeta][]).find(([k, meta]) => meta.deployKind === m[1] && k !== "consoles")?.[0];
  return kind ? `/config/${kind}/${m[2]}` : null;
}

/** The answer of GET /api/config/{kind}/{id}: the whole file (passwords masked), its problems, and the last deployed file. */
export interface DaemonConfigView {
  kind: DaemonConfigKind;
  file: string;
  /** The record it is rendered for. */
  record: { kind: KindKey; id: number; name: string };
  /** False while the dashboard has no renderer for this kind (`reason` says so). */
  rendered: boolean;
  reason?: string;
  revision: number;
  /** The whole file, passwords masked; null when it cannot be rendered (renderError). */
  text: string | null;
  renderError: { resource: string; name: string; field: string; message: string } | null;
  /** The validator's problems (Bacula's rules, per the daemon's version). */
  problems: { resource: string; name: string; field: string; formField?: string; rule: string; message: string; severity: "error" | "warning" }[];
  /** Why a deploy of this target would be refused now (no host, no key, validation errors…). */
  deployProblems: string[];
  /** The path it is deployed to, when a deploy target carries it. */
  path: string | null;
  /** The last successful deploy of the file (not a dry run); text masked, null for deploys made before the dashboard kept it. */
  deployed: { runId: number; at: string; by: string; path: string; text: string | null } | null;
  /** Unified diff, last deployed -> now, passwords masked on both sides ("" when the same); null without a deployed text. */
  diff: string | null;
  /** True when the two differ only in the model revision header line. */
  onlyRevisionDiffers?: boolean;
}
