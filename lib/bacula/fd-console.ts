/**
 * bacula-fd.conf and bconsole.conf as typed models over the generic tree, the way render.ts and
 * validate.ts do it for the Director and the Storage Daemon: typed keys from typed.ts (FdFileDaemon,
 * FdDirector, FdMessages, ConsoleDirector), everything else in `extra` or whole in `others`, the
 * table-driven renderer, and check-tree.ts for what Bacula's parser would refuse.
 */
import { checkTree } from "./check-tree";
import type { MessagesResource } from "./model";
import { renderTree } from "./renderer";
import { findDirective, findResource } from "./tables";
import type { ConfigTree, Item, ResourceNode } from "./tree";
import { typedKeys, typedToTree, type Obj, type ResourceKind } from "./typed";
import type { Problem } from "./validate";

interface WithExtra {
  extra?: Item[];
}

export interface FdFileDaemonResource extends WithExtra {
  name: string;
  description?: string;
  /** FDAddress: the address the File Daemon listens on (absent: every address). */
  address?: string;
  port?: number;
  workingDirectory?: string;
  pidDirectory?: string;
  maxConcurrentJobs?: number;
  messages?: string;
}

/** A Director allowed to connect to the File Daemon, with the password of its Client resource. */
export interface FdDirectorResource extends WithExtra {
  name: string;
  password?: string;
  address?: string;
  monitor?: boolean;
}

export interface FileDaemonConfig {
  /** Target Bacula version of the File Daemon (not a directive: drives version checks). */
  version?: string;
  fileDaemon: FdFileDaemonResource;
  directors: FdDirectorResource[];
  messages: MessagesResource[];
  /** Console, Schedule, Statistics resources, whole. */
  others?: ResourceNode[];
}

export interface ConsoleDirectorResource extends WithExtra {
  name: string;
  description?: string;
  address?: string;
  port?: number;
  password?: string;
}

export interface ConsoleConfig {
  directors: ConsoleDirectorResource[];
  /** Console resources (named consoles with their own password), whole. */
  others?: ResourceNode[];
}

export function fileDaemonTree(cfg: FileDaemonConfig): ConfigTree {
  const { others, version: _version, ...typed } = cfg;
  return typedToTree("fd", typed as unknown as Obj, others ?? []);
}

export function consoleTree(cfg: ConsoleConfig): ConfigTree {
  const { others, ...typed } = cfg;
  return typedToTree("console", typed as unknown as Obj, others ?? []);
}

export function renderFileDaemon(cfg: FileDaemonConfig, opts: { revision: string | number }): string {
  return renderTree(fileDaemonTree(cfg), { revision: opts.revision });
}

/**
 * The TLS lines of bconsole.conf's Director resource, from the Director's own resource: the
 * dashboard's bconsole.conf is deployed to the Director's host, where the Director's CA, certificate
 * and key files are (the layout Puppet's and Ansible's Bacula modules write). Every TLS directive
 * that both resources have (the console table's, so a new one is picked up) is carried over, in the
 * Director's order. Without them a Director with TLS Require = yes refuses the dashboard's own
 * bconsole, and with it the reload after a deploy (third outside trial).
 */
export function consoleTlsFrom(directorItems: readonly Item[] | undefined): Item[] {
  const consoleDirector = findResource("console", "Director");
  const takes = new Set((consoleDirector?.directives ?? []).filter((x) => x.name.startsWith("Tls")).map((x) => x.name));
  const out: Item[] = [];
  for (const it of directorItems ?? []) if (it.kind === "directive" && takes.has(it.name)) out.push({ kind: "directive", name: it.name, value: it.value });
  // A Director that checks no client certificate may have no CA; bconsole with TLS Enable needs one
  // (it refuses to start). Unless the Director turned TLS-PSK off, PSK then carries the session:
  // the console keeps TLS Require and its PSK, without TLS Enable / TLS Authenticate.
  const has = (n: string) => out.some((i) => i.kind === "directive" && i.name === n);
  const pskOff = out.some((i) => i.kind === "directive" && i.name === "TlsPskEnable" && i.value === false);
  if (!has("TlsCaCertificateFile") && !has("TlsCaCertificateDir") && !pskOff)
    return out.filter((i) => !(i.kind === "directive" && (i.name === "TlsEnable" || i.name === "TlsAuthenticate")));
  return out;
}

/** A resource's directives by their table name (the start checks below read them so). */
function directivesByName(def: NonNullable<ReturnType<typeof findResource>>, n: ResourceNode): Map<string, Item & { kind: "directive" }> {
  const values = new Map<string, Item & { kind: "directive" }>();
  for (const it of n.items) if (it.kind === "directive") values.set(findDirective(def, it.name)?.name ?? it.name, it);
  return values;
}

const TLS_TURNS_ON_LABEL: Record<string, string> = { TlsEnable: "TLS Enable", TlsAuthenticate: "TLS Authenticate", TlsRequire: "TLS Require" };

/**
 * What bconsole checks when it starts (check_resources of console/console.c and bbconsjson.c), and
 * `bbconsjson -t` therefore refuses: TLS in use without a CA certificate store. On a Director
 * resource TLS Enable or TLS Authenticate needs one (TLS Require alone turns TLS on only where a CA
 * is given); on a Console resource TLS Require does too.
 */
export function consoleStartProblems(tree: ConfigTree): Problem[] {
  const out: Problem[] = [];
  for (const n of tree.resources) {
    const def = findResource("console", n.type);
    if (!def || (def.name !== "Director" && def.name !== "Console")) continue;
    const values = directivesByName(def, n);
    const on = (k: string) => values.get(k)?.value === true;
    const turnsOn = def.name === "Director" ? ["TlsEnable", "TlsAuthenticate"] : ["TlsEnable", "TlsAuthenticate", "TlsRequire"];
    const at = turnsOn.find(on);
    if (!at || values.has("TlsCaCertificateFile") || values.has("TlsCaCertificateDir")) continue;
    const name = values.has("Name") ? String(values.get("Name")!.value) : "";
    out.push({
      resource: KIND_OF_TYPE.console[def.name] ?? def.name, name, field: `directives.${at}`, rule: "tls-ca",
      message: `${def.name} "${name}": TLS is on (${TLS_TURNS_ON_LABEL[at]}) but neither TLS CA Certificate File nor TLS CA Certificate Dir is given (bconsole refuses to start)`,
      severity: "error", pos: values.get(at)?.pos ?? n.pos,
    });
  }
  return out;
}

export function renderConsole(cfg: ConsoleConfig, opts: { revision: string | number }): string {
  return renderTree(consoleTree(cfg), { revision: opts.revision });
}

const KIND_OF_TYPE: Record<"fd" | "console", Record<string, ResourceKind>> = {
  fd: { FileDaemon: "FdFileDaemon", Director: "FdDirector", Messages: "FdMessages" },
  console: { Director: "ConsoleDirector" },
};

/** check-tree's problems with the typed key as the field where there is one (as validate.ts does). */
function problemsOf(tree: ConfigTree, version: string | undefined): Problem[] {
  return checkTree(tree, { version }).map((p) => {
    const kind = p.resource === "Config" ? undefined : KIND_OF_TYPE[tree.daemon as "fd" | "console"]?.[p.resource];
    let field = p.resource === "Config" ? p.path : p.path === "" ? "" : `directives.${p.path}`;
    if (kind && p.directive && p.path === p.directive) {
      const ks = typedKeys(kind).byName.get(p.directive);
      if (ks) field = ks.key;
    }
    return { resource: kind ?? p.resource, name: p.name, field, rule: p.rule, message: p.message, severity: p.severity, pos: p.pos };
  });
}

/**
 * What a File Daemon checks when it starts, after the parse (check_resources of filed/filed.c), and
 * that Bacula's `bfdjson -t` therefore refuses: TLS in use without what it needs, PKI signing or
 * encryption without a key pair. (TLS Require with a certificate or key turns TLS on; whether the
 * files exist is the host's to say, in the deploy's test step.)
 */
export function fileDaemonStartProblems(tree: ConfigTree): Problem[] {
  const out: Problem[] = [];
  for (const n of tree.resources) {
    const def = findResource("fd", n.type);
    if (!def || (def.name !== "FileDaemon" && def.name !== "Director" && def.name !== "Console")) continue;
    const values = directivesByName(def, n);
    const on = (k: string, dflt = false) => {
      const it = values.get(k);
      return it ? it.value === true : dflt;
    };
    const has = (k: string) => values.has(k);
    const nameIt = values.get("Name");
    const name = nameIt ? String(nameIt.value) : "";
    const problem = (rule: string, message: string, at?: string) =>
      out.push({ resource: KIND_OF_TYPE.fd[def.name] ?? def.name, name, field: "", rule, message: `${def.name} "${name}": ${message}`, severity: "error", pos: (at && values.get(at)?.pos) || n.pos });
    const certs = def.name === "FileDaemon" ? ["TlsCaCertificateFile", "TlsCaCertificateDir", "TlsCertificate", "TlsKey"] : ["TlsCertificate", "TlsKey"];
    const needTls = on("TlsEnable") || on("TlsAuthenticate") || (on("TlsRequire") && certs.some(has));
    const ca = has("TlsCaCertificateFile") || has("TlsCaCertificateDir");
    const tlsAt = ["TlsEnable", "TlsAuthenticate", "TlsRequire"].find((k) => on(k));
    if (def.name === "FileDaemon") {
      if (needTls && !ca) problem("tls-ca", "TLS is on but neither TLS CA Certificate File nor TLS CA Certificate Dir is given (Bacula refuses to start)", tlsAt);
      if ((on("PkiEncryption") || on("PkiSignatures")) && !has("PkiKeyPair"))
        problem("pki-keypair", "PKI Signatures or PKI Encryption is on without a PKI Key Pair (Bacula refuses to start)", on("PkiEncryption") ? "PkiEncryption" : "PkiSignatures");
      continue;
    }
    if (!needTls) continue;
    if (!has("TlsCertificate")) problem("tls-certificate", "TLS is on without a TLS Certificate (Bacula refuses to start)", tlsAt);
    if (!has("TlsKey")) problem("tls-key", "TLS is on without a TLS Key (Bacula refuses to start)", tlsAt);
    if (on("TlsVerifyPeer", true) && !ca)
      problem("tls-ca", "TLS Verify Peer needs a TLS CA Certificate File or TLS CA Certificate Dir (Bacula refuses to start)", values.has("TlsVerifyPeer") ? "TlsVerifyPeer" : tlsAt);
  }
  return out;
}

export function validateFileDaemon(cfg: FileDaemonConfig, tree: ConfigTree = fileDaemonTree(cfg)): Problem[] {
  // check-tree reports a missing Director or Messages resource (the table's required resources).
  const out = [...problemsOf(tree, cfg.version), ...fileDaemonStartProblems(tree)];
  for (const d of cfg.directors)
    if (!d.password) out.push({ resource: "FdDirector", name: d.name, field: "password", rule: "required", message: `Director ${JSON.stringify(d.name)}: the Client's password is missing`, severity: "error" });
  return out;
}

export function validateConsole(cfg: ConsoleConfig, version?: string, tree: ConfigTree = consoleTree(cfg)): Problem[] {
  return [...problemsOf(tree, version), ...consoleStartProblems(tree)];
}
