/**
 * bconsole.conf: bconsole's resources (console/console_conf.c), Release-13.0.3 and Branch-15.0
 * (identical), checked against Debian's 15.0.3 bbconsjson.
 *
 * Not listed: Console FipsRequire (`#if BEEF`). The Director resource's FipsRequire row is outside
 * any #if in both versions and Debian's build accepts it.
 */
import { d, DESCRIPTION, NAME, tls, TLS_BASE } from "./common";
import type { DaemonTable, ResourceDef } from "./types";

/** Optional; several are allowed, the one whose Director matches the chosen Director is used. */
const CONSOLE: ResourceDef = {
  name: "Console",
  directives: [
    NAME,
    DESCRIPTION,
    d("RCFile", "dir"),
    d("Password", "password", { required: true }),
    ...tls(...TLS_BASE),
    d("Director", "str"),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    d("CommCompression", "bool", { default: true }),
  ],
};

/** At least one; with several, bconsole asks which one to use. */
const DIRECTOR: ResourceDef = {
  name: "Director",
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("DirPort", "pint32", { default: 9101 }),
    d("Address", "str", { required: true }),
    d("Password", "password", { required: true }),
    d("FipsRequire", "bool"),
    ...tls(...TLS_BASE),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    d("HistoryFile", "dir"),
    d("HistoryFileSize", "int32", { default: 100 }),
  ],
};

export const CONSOLE_TABLE: DaemonTable = {
  daemon: "console",
  file: "bconsole.conf",
  resources: [DIRECTOR, CONSOLE],
};
