/**
 * Per-daemon deploy settings (DaemonDeployState): the columns bconsolePath / bconsoleConfig /
 * testTool, and the JSON `settings` blob validated here:
 *
 *   startCommand, stopCommand  argv run over SSH without a shell. Director switchover starts the
 *                              standby and stops the old primary with them; a deploy to a daemon
 *                              that does not run (first deploy) starts it with startCommand instead
 *                              of reloading it. Defaults: `systemctl start|stop bacula-director`,
 *                              `bacula-sd`, `bacula-fd` (DEFAULT_COMMANDS).
 *   restartCommand             File Daemon (client target) only: how a new bacula-fd.conf is put
 *                              in force (the FD has no reload). Default `systemctl restart bacula-fd`.
 *                              A Storage Daemon's is its restartCommand column.
 *   replication                on a STANDBY Director: the Admin Job that copies its primary's
 *                              configuration directory to it (lib/bacula/admin-replication.ts).
 *                              When `enabled`, the planner adds the Job to the primary's
 *                              bacula-dir.conf and the script beside it to the primary's deploy.
 *
 * Client-safe (no I/O): the Deploy page's form uses the same schema.
 */
import { z } from "zod";

/** Split like lib/deploy/engine.ts splitArgv (kept here so the client bundle needs no engine). */
export function checkCommand(command: string): string | null {
  if (/[\n\r\0]/.test(command)) return "must be one line";
  if (/[;&|<>`$(){}]/.test(command)) return "shell syntax is not interpreted (the command runs without a shell): call a script instead";
  if (!command.trim()) return "is empty";
  return null;
}

const command = z
  .string()
  .trim()
  .max(1024)
  .superRefine((v, ctx) => {
    const p = checkCommand(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

const plainPath = z
  .string()
  .trim()
  .max(1024)
  .regex(/^\/[A-Za-z0-9._/+-]*$/, "must be an absolute path of letters, digits and . _ / + - only")
  .refine((v) => !v.includes("..") && v !== "/", "must not contain .. nor be /");

export const replicationSettingsSchema = z
  .object({
    enabled: z.boolean(),
    /** Where the generated script goes on the primary's host (deployed with mode 0750). */
    scriptPath: plainPath.optional(),
    /** Private key on the primary's host dedicated to the copy. */
    sshKeyPath: plainPath,
    /** known_hosts on the primary's host holding the standby's host key. */
    knownHostsPath: plainPath,
    standbyHost: z
      .string()
      .trim()
      .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])$/, "must be a host name or IP address")
      .optional(),
    standbyUser: z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, "must be a user name").optional(),
    standbyPort: z.number().int().min(1).max(65535).optional(),
    /** Directory on the standby that receives the copy (default: the standby's config directory). */
    remoteDir: plainPath.optional(),
    method: z.enum(["scp", "rsync"]).optional(),
    /** A Schedule of the primary that runs the job (none: run it by hand or from another job). */
    schedule: z.string().trim().min(1).max(127).optional(),
  })
  .strict();
export type ReplicationSettings = z.infer<typeof replicationSettingsSchema>;

export const daemonSettingsSchema = z
  .object({
    startCommand: command.optional(),
    stopCommand: command.optional(),
    restartCommand: command.optional(),
    replication: replicationSettingsSchema.optional(),
  })
  .strict();
export type DaemonSettings = z.infer<typeof daemonSettingsSchema>;

export const DEFAULT_START_COMMAND = "systemctl start bacula-director";
export const DEFAULT_STOP_COMMAND = "systemctl stop bacula-director";

export type SettingsTargetKind = "director" | "storage-daemon" | "client";

/** The built-in start / stop / restart command of each kind of daemon (Debian's unit names). */
export const DEFAULT_COMMANDS: Record<SettingsTargetKind, { startCommand: string; stopCommand: string; restartCommand?: string }> = {
  director: { startCommand: DEFAULT_START_COMMAND, stopCommand: DEFAULT_STOP_COMMAND },
  "storage-daemon": { startCommand: "systemctl start bacula-sd", stopCommand: "systemctl stop bacula-sd" },
  client: { startCommand: "systemctl start bacula-fd", stopCommand: "systemctl stop bacula-fd", restartCommand: "systemctl restart bacula-fd" },
};

/** The stored blob, or {} when missing or no longer valid (it was validated when written). */
export function readSettings(raw: unknown): DaemonSettings {
  if (!raw || typeof raw !== "object") return {};
  const r = daemonSettingsSchema.safeParse(raw);
  return r.success ? r.data : {};
}

const absPath = z
  .string()
  .trim()
  .max(1024)
  .regex(/^\/[^\0\n\r]*$/, "must be an absolute path")
  .nullable()
  .optional();

/** PUT /api/deploy/targets: one target's settings (null clears a column; omitted keeps it). */
/** The Deploy page's labels of the settings, for the messages that name them (client-safe). */
export const DEPLOY_SETTING_LABELS: Record<string, string> = {
  target: "Target",
  testTool: "Test tool",
  bconsolePath: "bconsole path",
  bconsoleConfig: "bconsole config",
  startCommand: "Start command",
  stopCommand: "Stop command",
  replication: "Configuration replication",
  "replication.enabled": "Configuration replication",
  "replication.sshKeyPath": "SSH key on the primary's host",
  "replication.knownHostsPath": "known_hosts on the primary's host",
  "replication.standbyHost": "Standby host",
  "replication.standbyUser": "Standby SSH user",
  "replication.standbyPort": "Standby SSH port",
  "replication.remoteDir": "Directory on the standby",
  "replication.scriptPath": "Script path on the primary",
  "replication.method": "Copy method",
  "replication.schedule": "Schedule",
};

export const settingsUpdateSchema = z
  .object({
    target: z
      .string()
      .regex(/^(director|storage-daemon|client):\d{1,10}$/, "must be director:<id>, storage-daemon:<id> or client:<id>")
      .refine((t) => Number(t.split(":")[1]) >= 1 && Number(t.split(":")[1]) <= 2_147_483_647, "the id must be between 1 and 2147483647"),
    bconsolePath: absPath,
    bconsoleConfig: absPath,
    testTool: z.enum(["bdirjson", "bacula-dir", "bsdjson", "bacula-sd", "bfdjson", "bacula-fd"]).nullable().optional(),
    startCommand: command.nullable().optional(),
    stopCommand: command.nullable().optional(),
    restartCommand: command.nullable().optional(),
    replication: replicationSettingsSchema.nullable().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const kind = v.target.split(":")[0] as SettingsTargetKind;
    if (kind !== "director") {
      for (const f of ["bconsolePath", "bconsoleConfig", "replication"] as const) {
        if (v[f] !== undefined && v[f] !== null) ctx.addIssue({ code: "custom", path: [f], message: "only for Directors" });
      }
    }
    if (kind !== "client" && v.restartCommand !== undefined && v.restartCommand !== null)
      ctx.addIssue({ code: "custom", path: ["restartCommand"], message: kind === "storage-daemon" ? "a Storage Daemon's restart command is edited on the Storage Daemon" : "only for File Daemons (clients)" });
    const tools: Record<SettingsTargetKind, string[]> = { director: ["bdirjson", "bacula-dir"], "storage-daemon": ["bsdjson", "bacula-sd"], client: ["bfdjson", "bacula-fd"] };
    const names: Record<SettingsTargetKind, string> = { director: "a Director", "storage-daemon": "a Storage Daemon", client: "a File Daemon" };
    if (v.testTool && !tools[kind].includes(v.testTool)) ctx.addIssue({ code: "custom", path: ["testTool"], message: `must be ${tools[kind].join(" or ")} for ${names[kind]}` });
  });
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;
