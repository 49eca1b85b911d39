/**
 * The Messages resource (msgs_items of lib/parse_conf.c), the same in bacula-dir.conf,
 * bacula-sd.conf and bacula-fd.conf, and the message type keywords its destinations take.
 *
 * A destination line is `Keyword [= where] = type, !type, ...`. Types match case-insensitively;
 * `!type` removes a type (after `all`), and `events.<name>` adds a custom event type.
 */
import { d, DESCRIPTION, NAME } from "./common";
import type { DirectiveDef, ResourceDef, Version } from "./types";

export interface MessageType {
  /** The keyword as Bacula's table spells it. */
  name: string;
  /** First version that accepts it; absent means 13.0 or earlier. */
  since?: Version;
  /** `all` does not include it (Debug, Saved and Events must be named). */
  notInAll?: boolean;
}

/** msg_types of lib/parse_conf.c; identical in Release-13.0.3 and Branch-15.0 (and 15.0.3). */
export const MESSAGE_TYPES: readonly MessageType[] = [
  { name: "Debug", notInAll: true },
  { name: "Saved", notInAll: true },
  { name: "Events", notInAll: true },
  { name: "Abort" },
  { name: "Fatal" },
  { name: "Error" },
  { name: "Warning" },
  { name: "Info" },
  { name: "NotSaved" },
  { name: "Skipped" },
  { name: "Mount" },
  { name: "Terminate" },
  { name: "Restored" },
  { name: "Security" },
  { name: "Alert" },
  { name: "VolMgmt" },
  { name: "ErrorTerm" },
  { name: "Verified" },
  { name: "All" },
];

// The JSON view lists every destination line in "Destinations", as { Type: keyword, MsgTypes, Where, Command }.
const list = { repeatable: true, destination: "list", jsonKey: "Destinations" } as const;
const one = { repeatable: true, destination: "one", jsonKey: "Destinations" } as const;
const none = { repeatable: true, destination: "none", jsonKey: "Destinations" } as const;

export const MESSAGES_DIRECTIVES: readonly DirectiveDef[] = [
  NAME,
  DESCRIPTION,
  // A later line replaces an earlier one (ITEM_ALLOW_DUPS); it applies to the Mail*/Operator lines after it.
  d("MailCommand", "str", { allowDups: true, appliesToFollowing: "msgs" }),
  d("OperatorCommand", "str", { allowDups: true, appliesToFollowing: "msgs" }),
  d("Syslog", "msgs", none),
  d("Mail", "msgs", list),
  d("MailOnError", "msgs", list),
  d("MailOnSuccess", "msgs", list),
  d("File", "msgs", one),
  d("Append", "msgs", one),
  d("Stdout", "msgs", none),
  d("Stderr", "msgs", none),
  d("Director", "msgs", list),
  d("Console", "msgs", none),
  d("Operator", "msgs", list),
  d("Catalog", "msgs", none),
];

export const MESSAGES_RESOURCE: ResourceDef = {
  name: "Messages",
  directives: MESSAGES_DIRECTIVES,
};
