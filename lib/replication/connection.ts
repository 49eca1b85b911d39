/**
 * One long-lived monitoring session per catalog member, for the poller.
 *
 * A one-shot probe (probeMember) pays a TCP connect, a backend fork, a scram-sha-256 login (PBKDF2 on
 * both sides) and the backend's catalog cache warm-up on every poll; with 100 members that is most of
 * the cycle. Here each member keeps one session, its statements prepared once (named queries), and a
 * probe is the one statement of queryMember on it:
 *
 *  - the deadline is the probe's, as before: `timeoutMs` for everything (reconnect included); when
 *    it passes, the session is destroyed (a query that did not answer in time may never answer) and
 *    the member reads unreachable. A hung server costs its own probe's timeout, never the cycle's.
 *  - a session the server closed since the last poll (restart, idle kill) is replaced at once,
 *    within the same probe; a session that dies during the probe is retried once on a fresh one.
 *  - the postmaster's accept path is checked beside the queries of a reused session (acceptCheck: one
 *    SSLRequest, no login) every `acceptCheckEveryMs` (default 30 s, each member at its own phase so the
 *    checks spread over the cycles), and on every poll while the last check failed: a postmaster that
 *    hangs while the old session's backend still answers reads unreachable, as it is for Bacula,
 *    within that period. (The check costs the server a fork: checked on every poll, 100 members cost
 *    the two test servers of the bench more than all the queries together.) 0 checks every poll.
 *  - failed logins back off: after n consecutive failures a new login waits 1 s, 2 s, 4 s … at most
 *    `maxBackoffMs` (30 s). Meanwhile the member reads its last failure (a wrong password is not
 *    retried every cycle, which would fill the server's log and trip fail2ban), except that the accept
 *    check runs every poll: a server gone away reads unreachable at once, and one that answers again
 *    after a network failure is logged in to at once.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { acceptCheck } from "./accept-check";
import { exampleAddressReason } from "./example-address";
import { DEFAULT_PROBE_TIMEOUT_MS, ProbeTimeoutError, classifyProbeError, clientConfig, destroyClient, queryMember, type ProbeOptions } from "./probes";
import type { AuthFailedProbe, ErrorProbe, PgEndpoint, PrimaryProbe, ProbeResult, StandbyProbe, UnreachableProbe } from "./types";

export interface BackoffOptions {
  /** First wait after a failed login (default 1000 ms); doubles per consecutive failure. */
  baseMs?: number;
  /** Longest wait (default 30 000 ms). */
  maxMs?: number;
}

/** Default period of the accept-path check of an open session. */
export const DEFAULT_ACCEPT_CHECK_MS = 30_000;

export interface ConnectionStats {
  /** Sessions opened (logins) since the start. */
  logins: number;
  /** Probes answered on an already open session. */
  reused: number;
}

type Failure = Pick<UnreachableProbe | AuthFailedProbe | ErrorProbe, "kind" | "error" | "code">;

/** Backoff of the n-th consecutive failure (n >= 1). */
export function backoffMs(failures: number, o: BackoffOptions = {}): number {
  const base = o.baseMs ?? 1000;
  const max = o.maxMs ?? 30_000;
  if (failures <= 0) return 0;
  return Math.min(max, base * 2 ** Math.min(20, failures - 1));
}

export class MemberConnection {
  private client: pg.Client | null = null;
  private broken = false;
  private failures = 0;
  private retryAt = 0;
  private lastFailure: Failure | null = null;
  private busy: Promise<ProbeResult> | null = null;
  private closed = false;
  private acceptDueAt = 0;
  /** What the open session knows of its server (the system identifier, read on its first probe). */
  private facts: { systemIdentifier: string | null } = { systemIdentifier: null };
  private acceptFailing = false;
  readonly stats: ConnectionStats = { logins: 0, reused: 0 };

  constructor(
    readonly endpoint: PgEndpoint,
    private readonly o: { applicationName?: string; backoff?: BackoffOptions; statementTimeoutMs?: number; acceptCheckEveryMs?: number } = {},
  ) {}

  /** One probe at a time per session: a second call while one runs shares its answer. Never throws. */
  probe(opts: ProbeOptions = {}): Promise<ProbeResult> {
    if (!this.busy) {
      this.busy = this.run(Math.max(1, opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS)).finally(() => {
        this.busy = null;
      });
    }
    return this.busy;
  }

  /** Ends the session for good: later probes answer an error without connecting. */
  dispose(): void {
    this.closed = true;
    this.drop();
  }

  get isOpen(): boolean {
    return this.client !== null && !this.broken;
  }

  private acceptEvery(): number {
    return Math.max(0, this.o.acceptCheckEveryMs ?? DEFAULT_ACCEPT_CHECK_MS);
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    this.broken = false;
    if (c) destroyClient(c);
  }

  private async open(connectTimeoutMs: number, statementTimeoutMs: number): Promise<pg.Client> {
    const c = new pg.Client(
      clientConfig(this.endpoint, { connectTimeoutMs: Math.max(1, connectTimeoutMs), statementTimeoutMs, applicationName: this.o.applicationName }),
    );
    // A server that goes away later emits 'error' on the client: never uncaught, and the session is replaced.
    c.on("error", () => {
      if (this.client === c) this.broken = true;
    });
    c.on("end", () => {
      if (this.client === c) this.broken = true;
    });
    this.client = c;
    this.broken = false;
    this.facts = { systemIdentifier: null };
    this.stats.logins++;
    // A login proves the accept path; the first check of this session comes at a phase of its own.
    const every = this.acceptEvery();
    this.acceptDueAt = Date.now() + (every > 0 ? every * (0.5 + Math.random() * 0.5) : 0);
    try {
      await c.connect();
    } catch (err) {
      if (this.client === c) this.drop();
      else destroyClient(c);
      throw err;
    }
    return c;
  }

  private async run(timeoutMs: number): Promise<ProbeResult> {
    const started = Date.now();
    const probedAt = new Date(started).toISOString();
    const host = this.endpoint.host;
    const port = this.endpoint.port ?? 5432;
    const user = this.endpoint.user;
    const base = () => ({ probedAt, durationMs: Date.now() - started, host, port });
    const fail = (f: Failure): ProbeResult => ({ ...f, ...base() }) as UnreachableProbe | AuthFailedProbe | ErrorProbe;
    if (this.closed) return fail({ kind: "error", error: "the monitoring session was closed" });
    const example = exampleAddressReason(host, port);
    if (example) return fail({ kind: "unreachable", code: "EXAMPLE_ADDRESS", error: example });

    const remaining = () => timeoutMs - (Date.now() - started);
    let phase: "connect" | "query" = "connect";
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeoutError(phase, timeoutMs)), timeoutMs);
    });
    deadline.catch(() => undefined);
    const within = <T>(p: Promise<T>): Promise<T> => {
      p.catch(() => undefined); // the loser of the race may reject later
      return Promise.race([p, deadline]);
    };
    const statementTimeoutMs = this.o.statementTimeoutMs ?? timeoutMs;
    const at = { probedAt, host, port };

    const failed = (err: unknown): ProbeResult => {
      const c = classifyProbeError(err, { host, port, user });
      this.failures++;
      this.retryAt = Date.now() + backoffMs(this.failures, this.o.backoff);
      this.lastFailure = c;
      return fail(c);
    };

    try {
      let reused = this.isOpen;
      if (!reused) {
        if (this.client) this.drop(); // the server closed it since the last poll
        if (this.lastFailure && Date.now() < this.retryAt) {
          // Backing off: no login, but is the server there at all?
          try {
            await within(acceptCheck(host, port, remaining(), timeoutMs));
          } catch (err) {
            return fail(classifyProbeError(err, { host, port, user }));
          }
          if (this.lastFailure.kind !== "unreachable") {
            const s = Math.ceil((this.retryAt - Date.now()) / 1000);
            return fail({ ...this.lastFailure, error: `${this.lastFailure.error} (next login attempt in ${s} s)` });
          }
          // It answers again after a network failure: log in now.
        }
      }
      let client: pg.Client;
      if (reused && this.client) client = this.client;
      else {
        try {
          client = await within(this.open(remaining(), statementTimeoutMs));
        } catch (err) {
          this.drop();
          return failed(err);
        }
      }
      phase = "query";
      let out: PrimaryProbe | StandbyProbe;
      const checkAccept = reused && (this.acceptFailing || Date.now() >= this.acceptDueAt);
      const accept = checkAccept ? acceptCheck(host, port, remaining(), timeoutMs) : Promise.resolve();
      accept.catch(() => undefined);
      try {
        out = await within(queryMember(client, at, this.facts));
      } catch (err) {
        const c = classifyProbeError(err, { host, port, user });
        if (err instanceof ProbeTimeoutError || c.kind !== "unreachable") {
          // A query that did not answer in time may never answer; any other failure: start afresh.
          this.drop();
          return failed(err);
        }
        // The session died under us (restart, idle kill): once more on a fresh one.
        this.drop();
        if (!reused) return failed(err);
        reused = false;
        phase = "connect";
        try {
          client = await within(this.open(remaining(), statementTimeoutMs));
          phase = "query";
          out = await within(queryMember(client, at, this.facts));
        } catch (err2) {
          this.drop();
          return failed(err2);
        }
      }
      if (reused) this.stats.reused++;
      if (checkAccept) {
        phase = "connect";
        try {
          await within(accept);
          this.acceptFailing = false;
          this.acceptDueAt = Date.now() + this.acceptEvery();
        } catch (err) {
          // The session answers; the postmaster does not take new connections (Bacula's).
          this.acceptFailing = true;
          const c = classifyProbeError(err, { host, port, user });
          return fail({ ...c, kind: "unreachable", error: `${c.error} (a new connection gets no answer; the monitor's open session still does)` });
        }
      }
      this.failures = 0;
      this.lastFailure = null;
      out.durationMs = Date.now() - started;
      return out;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/** Identity of an endpoint's session: every connection setting (the password as a hash). */
export function endpointKey(e: PgEndpoint): string {
  return createHash("sha256")
    .update(JSON.stringify([e.host, e.port ?? 5432, e.user, e.password, e.database ?? "postgres", e.ssl ?? null]))
    .digest("base64url");
}

export interface ProbePool {
  /** Probe through the endpoint's long-lived session (opened on first use). Never throws. */
  probe(endpoint: PgEndpoint, opts: ProbeOptions): Promise<ProbeResult>;
  /** Ends the sessions of every endpoint not in `endpoints` (members removed or changed). */
  retain(endpoints: readonly PgEndpoint[]): void;
  /** Ends every session; later probes open new ones. */
  closeAll(): void;
  size(): number;
  stats(): ConnectionStats & { open: number };
}

export function createProbePool(o: { applicationName?: string; backoff?: BackoffOptions; acceptCheckEveryMs?: number } = {}): ProbePool {
  const sessions = new Map<string, MemberConnection>();
  const ended: ConnectionStats = { logins: 0, reused: 0 };
  const end = (key: string, c: MemberConnection) => {
    ended.logins += c.stats.logins;
    ended.reused += c.stats.reused;
    c.dispose();
    sessions.delete(key);
  };
  return {
    probe(endpoint, opts) {
      const key = endpointKey(endpoint);
      let c = sessions.get(key);
      if (!c) {
        c = new MemberConnection(endpoint, { applicationName: opts.applicationName ?? o.applicationName, backoff: o.backoff, acceptCheckEveryMs: o.acceptCheckEveryMs });
        sessions.set(key, c);
      }
      return c.probe(opts);
    },
    retain(endpoints) {
      const keep = new Set(endpoints.map(endpointKey));
      for (const [key, c] of sessions) if (!keep.has(key)) end(key, c);
    },
    closeAll() {
      for (const [key, c] of sessions) end(key, c);
    },
    size: () => sessions.size,
    stats() {
      let logins = ended.logins;
      let reused = ended.reused;
      let open = 0;
      for (const c of sessions.values()) {
        logins += c.stats.logins;
        reused += c.stats.reused;
        if (c.isOpen) open++;
      }
      return { logins, reused, open };
    },
  };
}
