/**
 * Configuration replication to a standby Director: an Admin Job on the primary whose
 * RunScript (on the Director host, no shell) calls a generated POSIX sh script that
 * copies the Director's configuration directory to the standby over SSH with a
 * dedicated key and a pinned known_hosts file.
 *
 * The default transport is `scp -s` (SFTP protocol): it works with a standby account
 * whose shell is /usr/sbin/nologin (Debian's `bacula` user), where exec-based tools
 * (rsync, tar over ssh) do not. `rsync` is offered for accounts with a shell.
 */
import type { JobResource } from "./model";
import { renderResource } from "./render";
import { nameProblem, textProblem } from "./stores";

export interface AdminReplicationOptions {
  /** Name of the Admin Job, e.g. "ReplicateConfig-standby1". */
  jobName: string;
  /** Absolute path of the generated script on the primary Director host. */
  scriptPath: string;
  /** The Director's configuration directory, e.g. /etc/bacula or /opt/bacula/etc. */
  configDir: string;
  /** The standby Director's host name or IP address. */
  standbyHost: string;
  standbyUser: string;
  standbyPort?: number;
  /** Directory on the standby that receives the copy (created if missing). */
  remoteDir: string;
  /** Private key dedicated to this job. */
  sshKeyPath: string;
  /** known_hosts file holding the standby's host key (StrictHostKeyChecking=yes). */
  knownHostsPath: string;
  method?: "scp" | "rsync";
  /** Name of the standby Director, for comments. */
  standbyName?: string;
  /** Job directives Bacula requires even for Admin jobs. */
  client: string;
  fileset: string;
  pool: string;
  messages: string;
  storage?: string[];
  schedule?: string;
  priority?: number;
}

export class AdminReplicationError extends Error {
  constructor(
    readonly field: keyof AdminReplicationOptions,
    message: string,
  ) {
    super(`${String(field)}: ${message}`);
    this.name = "AdminReplicationError";
  }
}

/** Quote a value for POSIX sh: single quotes, with ' written as '\''. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Paths handed to ssh options (IdentityFile, UserKnownHostsFile) or to the RunScript
 * command: ssh expands % and ~ in them and splits option values on spaces, and
 * RunScript splits its command into words, so only plain characters are allowed.
 */
const PLAIN_PATH_RE = /^\/[A-Za-z0-9._\/+-]*$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])$/;
const USER_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

function checkOptions(o: AdminReplicationOptions): void {
  const text = (field: keyof AdminReplicationOptions, v: string) => {
    const p = typeof v === "string" ? textProblem(v) : "must be text";
    if (p) throw new AdminReplicationError(field, p);
  };
  const plainPath = (field: keyof AdminReplicationOptions, v: string) => {
    text(field, v);
    if (!PLAIN_PATH_RE.test(v) || v.includes("..") || v === "/")
      throw new AdminReplicationError(field, `must be an absolute path of letters, digits and . _ / + - only (got ${JSON.stringify(v)})`);
  };
  for (const f of ["jobName", "client", "fileset", "pool", "messages"] as const) {
    const p = typeof o[f] === "string" ? nameProblem(o[f] as string) : "must be a name";
    if (p) throw new AdminReplicationError(f, p);
  }
  plainPath("scriptPath", o.scriptPath);
  plainPath("sshKeyPath", o.sshKeyPath);
  plainPath("knownHostsPath", o.knownHostsPath);
  plainPath("remoteDir", o.remoteDir);
  text("configDir", o.configDir);
  if (!o.configDir.startsWith("/")) throw new AdminReplicationError("configDir", "must be an absolute path");
  if (!HOST_RE.test(o.standbyHost)) throw new AdminReplicationError("standbyHost", `must be a host name or IP address (got ${JSON.stringify(o.standbyHost)})`);
  if (!USER_RE.test(o.standbyUser)) throw new AdminReplicationError("standbyUser", `must be a user name (got ${JSON.stringify(o.standbyUser)})`);
  const port = o.standbyPort ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AdminReplicationError("standbyPort", "must be 1..65535");
  if (o.standbyName !== undefined) text("standbyName", o.standbyName);
}

/** The Admin Job resource (model form). */
export function adminReplicationJob(o: AdminReplicationOptions): JobResource {
  checkOptions(o);
  const job: JobResource = {
    name: o.jobName,
    description: `Copy ${o.configDir} to the standby Director${o.standbyName ? ` ${o.standbyName}` : ""} (${o.standbyHost})`,
    type: "Admin",
    client: o.client,
    fileset: o.fileset,
    messages: o.messages,
    pool: o.pool,
    runScripts: [
      { runsWhen: "Before", runsOnClient: false, failJobOnError: true, command: o.scriptPath },
    ],
  };
  if (o.storage?.length) job.storage = [...o.storage];
  if (o.schedule) job.schedule = o.schedule;
  if (o.priority !== undefined) job.priority = o.priority;
  return job;
}

/** The Admin Job as bacula-dir.conf text. */
export function renderAdminReplicationJob(o: AdminReplicationOptions): string {
  return renderResource("Job", adminReplicationJob(o));
}

/** The POSIX sh script the Admin Job calls. Every user value is single-quoted. */
export function adminReplicationScript(o: AdminReplicationOptions): string {
  checkOptions(o);
  const method = o.method ?? "scp";
  const port = o.standbyPort ?? 22;
  const standby = o.standbyName ? ` ${o.standbyName.replace(/[^A-Za-z0-9:._ -]/g, "?")}` : "";
  const lines = [
    "#!/bin/sh",
    `# Copies the Bacula Director configuration to the standby Director${standby}.`,
    "# Generated by the Bacula HA dashboard; called by an Admin Job RunScript (no shell there).",
    "# Install mode 0750, owner root, group bacula. Do not edit: it is regenerated.",
    "set -eu",
    "umask 077",
    "",
    `SRC=${shQuote(o.configDir)}`,
    `DEST_HOST=${shQuote(o.standbyHost)}`,
    `DEST_USER=${shQuote(o.standbyUser)}`,
    `DEST_PORT=${shQuote(String(port))}`,
    `DEST_DIR=${shQuote(o.remoteDir)}`,
    `SSH_KEY=${shQuote(o.sshKeyPath)}`,
    `KNOWN_HOSTS=${shQuote(o.knownHostsPath)}`,
    "",
    'fail() { echo "replicate-config: $*" >&2; exit 1; }',
    '[ -d "$SRC" ] || fail "configuration directory $SRC not found"',
    '[ -r "$SSH_KEY" ] || fail "SSH key $SSH_KEY not readable"',
    '[ -r "$KNOWN_HOSTS" ] || fail "known_hosts file $KNOWN_HOSTS not readable"',
    "",
  ];
  if (method === "scp") {
    lines.push(
      "# scp in SFTP mode (-s) also works when the standby account's shell is nologin.",
      'scp -s -r -p -q -P "$DEST_PORT" -i "$SSH_KEY" \\',
      "  -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \\",
      '  -o "UserKnownHostsFile=$KNOWN_HOSTS" -o ConnectTimeout=30 \\',
      '  -- "$SRC/." "$DEST_USER@$DEST_HOST:$DEST_DIR" || fail "copy to $DEST_HOST failed"',
    );
  } else {
    lines.push(
      "# rsync needs a login shell for the standby account.",
      'rsync -a --delete \\',
      '  -e "ssh -p $DEST_PORT -i $SSH_KEY -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$KNOWN_HOSTS -o ConnectTimeout=30" \\',
      '  -- "$SRC/" "$DEST_USER@$DEST_HOST:$DEST_DIR/" || fail "copy to $DEST_HOST failed"',
    );
  }
  lines.push('echo "replicate-config: copied $SRC to $DEST_HOST:$DEST_DIR"', "");
  return lines.join("\n");
}
