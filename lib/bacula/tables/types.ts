/**
 * The shape of Bacula's directive tables, as data.
 *
 * One table per daemon (dir.ts, sd.ts, fd.ts, console.ts; messages.ts for the Messages resource
 * every daemon shares) lists every resource type and every directive that Bacula 13.0.x and
 * 15.0.x accept, the way Bacula's own RES_ITEM tables do (dird_conf.c, stored_conf.c,
 * filed_conf.c, console_conf.c, lib/parse_conf.c, dird/inc_conf.c): the keyword, the store
 * function that parses it, the resource it references, its flags (required, default), and the
 * versions that have it. These files are the only description of a directive: parser, renderer,
 * validator, zod schemas, form fields and the DB mapping are driven from them.
 *
 * The facts were read from Bacula's community source (tags Release-13.0.3 and branch
 * Branch-15.0) and checked against Debian's Bacula 15.0.3 (bdirjson / bsdjson / bfdjson /
 * bbconsjson). Enterprise-only rows (`#if BEEF`) are not listed.
 */

/** A Bacula version prefix: "13.0", "15.0", "15.0.3". */
export type Version = string;

/**
 * Bacula's store function (RES_ITEM handler) without its `store_` prefix. It decides the syntax of
 * the value; `lib/bacula/stores.ts` gives each one its lexing, rendering, validation and range.
 */
export type StoreFn =
  // lib/parse_conf.c
  | "name" // a resource name: letters, digits, `:.-_` and space, at most 127 characters
  | "strname" // a string of at most 127 characters (Media Type, Device in a Director Storage)
  | "str" // a string
  | "dir" // a path: Bacula shell-expands it (`/bin/sh -c "echo ..."`) unless it starts with `|`
  | "password"
  | "res" // the name of another resource (`ref`)
  | "alist_res" // a comma list of resource names; repeated lines add to the list
  | "alist_str" // a comma list of strings; repeated lines add to the list
  | "alist_dir" // as alist_str, each element shell-expanded like `dir`
  | "defs" // JobDefs = name (store_defs)
  | "int32" // signed 32-bit integer
  | "pint32" // non-negative 32-bit integer
  | "int64"
  | "size32" // a size with an optional unit (k, m, g...), stored in 32 bits
  | "size64"
  | "speed" // bytes per second with an optional unit (kb/s, mb/s...)
  | "time" // a duration with optional units (`30 days`, `1 year 6 months`)
  | "bool" // yes / no / true / false
  | "bit" // yes / no, stored as a bit
  | "label" // Label Type: Bacula, ANSI, IBM
  | "acl" // a comma list of names (Console ACLs); repeated lines add to the list
  | "addresses" // `DirAddresses = { ip = { addr = ...; port = ... } ipv4 = {...} }`
  | "addresses_address" // DirAddress / SDAddress / FDAddress: one host or IP, unquoted
  | "addresses_port" // DirPort / SDPort / FDPort
  | "msgs" // a Messages destination: `Mail = root@localhost = all, !skipped`
  | "coll_type" // Statistics Type: CSV, Graphite
  | "storage_mngr" // StorageGroupPolicy
  // dird/dird_conf.c
  | "jobtype"
  | "level"
  | "migtype" // Selection Type
  | "replace" // Replace: always, ifnewer, ifolder, never
  | "actiononpurge"
  | "device" // Device = a, b in a Director Storage (names of SD devices or autochangers)
  | "ac_res" // Autochanger = yes/no or the name of a Storage
  | "run" // Schedule Run = <spec>
  | "runscript" // RunScript { ... } (ITEM_NO_EQUALS): a sub-block, see `block`
  | "short_runscript" // RunBeforeJob = "cmd" and friends
  | "runscript_when" // inside RunScript
  | "runscript_cmd" // Command / Console inside RunScript (repeatable)
  | "runscript_target" // Target inside RunScript
  | "runscript_bool"
  | "runscript_int"
  | "inc" // FileSet Include { ... } / Exclude { ... }: a sub-block, see `block`
  // dird/inc_conf.c (inside Include / Options)
  | "opts" // an Options keyword with its values (compression = GZIP, signature = MD5 ...)
  | "lopts" // Options keywords taking a string of option letters (BaseJob, Accurate, Verify, StripPath)
  | "wild"
  | "regex"
  | "base"
  | "fname" // File = path (or "|command", "<file")
  | "plugin_name" // Plugin = "..."
  | "plugin"
  | "excludedir"
  | "options_res" // Options { ... } inside Include: a sub-block, see `block`
  | "fstype"
  | "drivetype"
  // stored/stored_conf.c
  | "devtype"
  | "maxblocksize"
  | "cloud_driver"
  | "uri_style"
  | "protocol"
  | "truncate"
  | "upload"
  | "transfer_priority"
  | "objects_default_tier"
  | "enctype"
  // filed/filed_conf.c
  | "digest_type"
  | "cipher_type"
  | "runres"; // FD Schedule Connect = <spec>

/** One directive (one RES_ITEM row, with its aliases folded in). */
export interface DirectiveDef {
  /**
   * The keyword as Bacula's table spells it (also the key of Bacula's JSON view), e.g.
   * "MaximumConcurrentJobs". Rows the source spells all in lowercase ("runbeforejob", "dbdriver",
   * the RunScript items) get their CamelCase spelling here: keywords match case-insensitively.
   */
  name: string;
  /**
   * Other keywords of rows that store into the same field with the same store function (e.g.
   * Catalog "User" for "DbUser"). Keywords match case-insensitively, ignoring spaces.
   */
  aliases?: readonly string[];
  store: StoreFn;
  /** For res, alist_res, ac_res, defs, device: the resource type keyword referenced ("Pool", "Storage"). */
  ref?: string;
  /**
   * For stores that take a keyword (jobtype, level, migtype, replace, label, devtype, opts values,
   * storage_mngr...): the accepted values in their canonical spelling.
   */
  values?: readonly string[];
  /** Version that first accepts a value, when later than the directive itself. */
  valueSince?: Readonly<Record<string, Version>>;
  /** Version from which a value is no longer accepted. */
  valueUntil?: Readonly<Record<string, Version>>;
  /** The parser compares values case-insensitively but the runtime does not (StorageGroupPolicy). */
  caseSensitiveValues?: boolean;
  /**
   * ITEM_REQUIRED: Bacula refuses the resource without it, written under `name`: an alias line
   * does not count (a Director Storage with `SdAddress` but no `Address` is refused). In a Job the
   * check runs after the JobDefs are applied; in JobDefs only Name is required.
   */
  required?: boolean;
  /**
   * ITEM_DEFAULT: the value Bacula uses when the directive is absent, in config syntax or as a
   * number/boolean (times in seconds, sizes in bytes, as the JSON view shows them).
   */
  default?: string | number | boolean;
  /**
   * The directive may be written several times (lists add up, blocks repeat, destinations
   * accumulate). Otherwise a second line is refused for string, name, path, password and resource
   * stores ("Attempt to redefine"), while number, bool, time and size stores silently keep the last.
   */
  repeatable?: boolean;
  /** ITEM_ALLOW_DUPS: a second line replaces the first instead of being an error. */
  allowDups?: boolean;
  /**
   * The directive applies to the lines of this store written after it (MailCommand to the Mail
   * lines after it): a later line replaces it only for the lines after that one, so once such a
   * line came between, both are kept, in order.
   */
  appliesToFollowing?: StoreFn;
  /** For alist_res with a count (default_value): at most that many lines. */
  maxLines?: number;
  /** First version that accepts the directive; absent means 13.0 or earlier. */
  since?: Version;
  /** First version that no longer accepts it. */
  until?: Version;
  /** Accepted but does nothing / deprecated (Bacula prints a warning or ignores it). */
  deprecated?: boolean;
  /** For stores that take a `{ }` sub-block (runscript, inc, options_res, addresses): what it holds. */
  block?: BlockDef;
  /**
   * How Bacula's JSON view (bdirjson/bsdjson/bfdjson/bbconsjson `-c`) shows the directive when not
   * under `name`: another key (RunBeforeJob and friends appear inside "Runscript"), or null when the
   * JSON view never shows it (rows the source spells in lowercase with no uppercase sibling for the
   * same field: Catalog DbDriver, Job AllowHigherDuplicates, Storage SddPort...).
   */
  jsonKey?: string | null;
  /** Aliases that the JSON view does not show when a config uses them (Job FullMaxWaitTime...). */
  jsonHiddenAliases?: readonly string[];
  /**
   * Bacula refuses the resource without this directive unless the named bool directive of the
   * same resource is yes (Director Client Address unless AllowFDConnections). Checked after the
   * parse (dird.c), not by ITEM_REQUIRED.
   */
  requiredUnless?: string;
  /**
   * Directives Bacula refuses in the same resource as this one, in either order. The old-style
   * DirAddress/DirPort lines and a DirAddresses block fill one address list, and address_conf.c
   * refuses to mix the styles ("Old style addresses cannot be mixed with new style").
   */
  excludes?: readonly string[];
  /** For msgs: what comes before `= types`: a comma list of addresses, one file name, or nothing. */
  destination?: "list" | "one" | "none";
  /** For lopts: the option letters Bacula accepts in the value (BaseJob, Accurate, Verify). */
  letters?: string;
  /**
   * The value is a secret although its store is not `password` (Catalog Password is a plain
   * store_str, Cloud SecretKey a store_strname): the database keeps it encrypted and views never
   * show it, like every password-store directive.
   */
  secret?: boolean;
  /** A short explanation in our own words, for forms. */
  help?: string;
}

/** The body of a sub-block (RunScript, Include, Exclude, Options). */
export interface BlockDef {
  directives: readonly DirectiveDef[];
}

/** One resource type (one RES_TABLE row). */
export interface ResourceDef {
  /** The keyword as Bacula spells it ("Job", "FileSet", "Autochanger"). */
  name: string;
  /** Other keywords for the same resource table (Director side "Autochanger" uses the Storage items). */
  aliases?: readonly string[];
  /** Exactly one per config (Director in bacula-dir.conf, Storage in bacula-sd.conf ...). */
  single?: boolean;
  /** At least one is needed for the daemon to start. */
  required?: boolean;
  since?: Version;
  until?: Version;
  directives: readonly DirectiveDef[];
}

export type Daemon = "dir" | "sd" | "fd" | "console";

export interface DaemonTable {
  daemon: Daemon;
  /** The config file name: bacula-dir.conf, bacula-sd.conf, bacula-fd.conf, bconsole.conf. */
  file: string;
  /** Resource types in the order a rendered file lists them. */
  resources: readonly ResourceDef[];
}
