/**
 * Login throttling that slows guessing without ever locking the owner out.
 *
 * Three counters of failed logins, each forgotten 15 minutes after its last failure:
 *
 *   per address       (any login from one client address)     after 10 failures, refuse for 1 s, 2 s,
 *                                                              4 s ... at most 60 s (429, Retry-After)
 *   per login+address (one login from one client address)     after 3 failures, refuse for 1 s ... 30 s
 *   per login         (one login from anywhere)               after 5 failures, the answer is HELD for
 *                                                              0.5 s, 1 s ... at most 8 s, then the
 *                                                              password is checked as usual
 *
 * Refusals only ever hit the address that failed; what someone elsewhere does to a login only
 * delays its owner by a few seconds, and the right password is accepted after that delay (it also
 * clears the login's counters). At most 2 attempts per login+address and 8 per address are checked
 * at once, so parallel requests cannot skip the counters. Each table holds at most MAX_ENTRIES
 * keys (least recently used dropped first), so rotating logins or addresses cannot grow memory.
 * Without a known address (no proxy header, no peer address: in-process tests, `next dev`) only
 * the per-login hold applies.
 */
const FORGET_MS = 15 * 60_000;
export const MAX_ENTRIES = 10_000;

export type ThrottleScope = "address" | "pair" | "login";

interface Policy {
  free: number;
  baseMs: number;
  capMs: number;
  /** refuse: 429 while the delay runs; hold: wait out the delay, then check the password. */
  mode: "refuse" | "hold";
  maxInFlight: number;
}

export const POLICIES: Record<ThrottleScope, Policy> = {
  address: { free: 10, baseMs: 1_000, capMs: 60_000, mode: "refuse", maxInFlight: 8 },
  pair: { free: 3, baseMs: 1_000, capMs: 30_000, mode: "refuse", maxInFlight: 2 },
  login: { free: 5, baseMs: 500, capMs: 8_000, mode: "hold", maxInFlight: Number.POSITIVE_INFINITY },
};

interface Entry {
  failures: number;
  last: number;
  until: number;
  inFlight: number;
}

/** A Map used as an LRU: touching a key moves it to the end; the first key is the oldest. */
class Table {
  private readonly map = new Map<string, Entry>();
  constructor(private readonly max: number) {}

  get(key: string, now: number): Entry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.inFlight === 0 && now - e.last > FORGET_MS) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, e);
    return e;
  }

  getOrCreate(key: string, now: number): Entry {
    const found = this.get(key, now);
    if (found) return found;
    while (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
    const e: Entry = { failures: 0, last: now, until: 0, inFlight: 0 };
    this.map.set(key, e);
    return e;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

const tables: Record<ThrottleScope, Table> = {
  address: new Table(MAX_ENTRIES),
  pair: new Table(MAX_ENTRIES),
  login: new Table(MAX_ENTRIES),
};

/** The delay after `failures` failures under a policy (0 while within the free ones). */
export function delayAfter(p: Policy, failures: number): number {
  if (failures <= p.free) return 0;
  return Math.min(p.capMs, p.baseMs * 2 ** Math.min(failures - p.free - 1, 30));
}

interface Key {
  scope: ThrottleScope;
  key: string;
}

export function throttleKeys(login: string, ip: string | null): Key[] {
  const name = login.toLowerCase();
  const keys: Key[] = [{ scope: "login", key: name }];
  if (ip) keys.push({ scope: "pair", key: `${name}\n${ip}` }, { scope: "address", key: ip });
  return keys;
}

export type Admission =
  | { kind: "refused"; retryAfterMs: number; scope: ThrottleScope; reason: "delay" | "parallel" }
  | { kind: "admitted"; holdMs: number; release: () => void };

/**
 * May this attempt be checked now? `refused` (429) when its address is in a refusal delay or has
 * too many attempts in flight; else `admitted` with how long to hold it first, and `release` to
 * call when the attempt is done.
 */
export function admit(keys: Key[], now = Date.now()): Admission {
  let holdMs = 0;
  for (const k of keys) {
    const p = POLICIES[k.scope];
    const e = tables[k.scope].get(k.key, now);
    if (!e) continue;
    const wait = Math.max(0, e.until - now);
    if (p.mode === "refuse") {
      if (wait > 0) return { kind: "refused", retryAfterMs: wait, scope: k.scope, reason: "delay" };
      if (e.inFlight >= p.maxInFlight) return { kind: "refused", retryAfterMs: 1_000, scope: k.scope, reason: "parallel" };
    } else holdMs = Math.max(holdMs, Math.min(wait, p.capMs));
  }
  const held = keys.map((k) => tables[k.scope].getOrCreate(k.key, now));
  for (const e of held) e.inFlight++;
  let released = false;
  return {
    kind: "admitted",
    holdMs,
    release: () => {
      if (released) return;
      released = true;
      for (const e of held) e.inFlight = Math.max(0, e.inFlight - 1);
    },
  };
}

export function recordLoginFailure(keys: Key[], now = Date.now()): void {
  for (const k of keys) {
    const e = tables[k.scope].getOrCreate(k.key, now);
    e.failures++;
    e.last = now;
    e.until = now + delayAfter(POLICIES[k.scope], e.failures);
  }
}

/** A correct password clears its login's counters (not the address's: one good account must not reset guessing elsewhere). */
export function clearLoginFailures(keys: Key[]): void {
  for (const k of keys) if (k.scope !== "address") tables[k.scope].delete(k.key);
}

/** For tests and the README's numbers. */
export function throttleState(scope: ThrottleScope, key: string, now = Date.now()): { failures: number; delayMs: number } | null {
  const e = tables[scope].get(key, now);
  return e ? { failures: e.failures, delayMs: Math.max(0, e.until - now) } : null;
}

export function throttleSizes(): Record<ThrottleScope, number> {
  return { address: tables.address.size, pair: tables.pair.size, login: tables.login.size };
}

export function resetThrottle(): void {
  for (const t of Object.values(tables)) t.clear();
}
