/**
 * Long-lived monitoring sessions against a real PostgreSQL 15 pair: one login serves every poll, a
 * session the server killed is replaced within the probe, a hung backend and a hung postmaster are
 * unreachable within the probe's timeout, failed logins back off, removed members lose their session.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgPair, type PgPair } from "../../test/support/pgPair";
import { backoffMs, createProbePool, MemberConnection } from "./connection";
import type { PgEndpoint } from "./types";

let pair: PgPair;
const APP = "bhd-connection-test";

function ep(node: "primary" | "standby", password = pair.monitor.password): PgEndpoint {
  return { host: pair[node].host, port: pair[node].port, user: pair.monitor.user, password, database: pair.database };
}

async function sessionPids(node: "primary" | "standby"): Promise<number[]> {
  const rows = await pair.query<{ pid: number }>(node, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", [APP]);
  return rows.map((r) => Number(r.pid));
}

beforeAll(async () => {
  pair = await startPgPair();
});

afterAll(async () => {
  await pair?.stop();
});

describe("MemberConnection against a real pair", () => {
  it("one login serves every poll; both roles are read on it", async () => {
    const pool = createProbePool({ applicationName: APP });
    try {
      for (let i = 0; i < 5; i++) {
        const [p, s] = await Promise.all([pool.probe(ep("primary"), { timeoutMs: 2000 }), pool.probe(ep("standby"), { timeoutMs: 2000 })]);
        expect(p.kind).toBe("primary");
        expect(s.kind).toBe("standby");
      }
      expect(pool.stats()).toMatchObject({ logins: 2, reused: 8, open: 2 });
      expect(await sessionPids("primary")).toHaveLength(1);
      // A member removed from the configuration loses its session.
      pool.retain([ep("standby")]);
      expect(pool.size()).toBe(1);
      await expect.poll(() => sessionPids("primary"), { timeout: 5000 }).toHaveLength(0);
    } finally {
      pool.closeAll();
    }
    await expect.poll(() => sessionPids("standby"), { timeout: 5000 }).toHaveLength(0);
  });

  it("a session the server ended is replaced within the same probe", async () => {
    const c = new MemberConnection(ep("primary"), { applicationName: APP });
    try {
      expect((await c.probe({ timeoutMs: 2000 })).kind).toBe("primary");
      const [pid] = await sessionPids("primary");
      await pair.query("primary", "SELECT pg_terminate_backend($1)", [pid]);
      const r = await c.probe({ timeoutMs: 2000 });
      expect(r.kind).toBe("primary");
      expect(c.stats.logins).toBe(2);
      expect(await sessionPids("primary")).not.toContain(pid);
    } finally {
      c.dispose();
    }
  });

  it("a hung backend: unreachable within the probe timeout, then a fresh session", async () => {
    const c = new MemberConnection(ep("standby"), { applicationName: APP });
    try {
      expect((await c.probe({ timeoutMs: 800 })).kind).toBe("standby");
      const [pid] = await sessionPids("standby");
      process.kill(pid, "SIGSTOP");
      try {
        const t0 = Date.now();
        const r = await c.probe({ timeoutMs: 800 });
        const took = Date.now() - t0;
        expect(r.kind).toBe("unreachable");
        if (r.kind === "unreachable") expect(r.error).toMatch(/no answer within 800 ms \(while querying\)/);
        expect(took).toBeGreaterThanOrEqual(790);
        expect(took).toBeLessThan(1300);
      } finally {
        process.kill(pid, "SIGCONT");
      }
      expect(c.isOpen).toBe(false);
      // The next poll logs in again at once: a query timeout is no reason to wait.
      const again = await c.probe({ timeoutMs: 2000 });
      expect(again.kind === "unreachable" && again.error).toBe(false);
      expect(again.kind).toBe("standby");
      expect(c.stats.logins).toBe(2);
    } finally {
      c.dispose();
    }
  });

  it("a hung postmaster: the open session still answers but the member is unreachable, as for Bacula", async () => {
    const c = new MemberConnection(ep("primary"), { applicationName: APP, acceptCheckEveryMs: 0 });
    const spread = new MemberConnection(ep("primary"), { applicationName: APP, acceptCheckEveryMs: 60_000 });
    try {
      expect((await c.probe({ timeoutMs: 800 })).kind).toBe("primary");
      expect((await spread.probe({ timeoutMs: 800 })).kind).toBe("primary");
      pair.freeze("primary");
      try {
        // Checked once a period (not due yet): the answer comes from the open session.
        expect((await spread.probe({ timeoutMs: 800 })).kind).toBe("primary");
        const t0 = Date.now();
        const r = await c.probe({ timeoutMs: 800 });
        expect(Date.now() - t0).toBeLessThan(1300);
        expect(r.kind).toBe("unreachable");
        if (r.kind === "unreachable") expect(r.error).toMatch(/no answer within 800 ms \(while connecting\).*open session still does/);
      } finally {
        pair.thaw("primary");
      }
      expect((await c.probe({ timeoutMs: 2000 })).kind).toBe("primary");
      expect(c.stats.logins).toBe(1);
    } finally {
      c.dispose();
      spread.dispose();
    }
  });

  it("a wrong password backs off: the next polls answer the failure without logging in again", async () => {
    const c = new MemberConnection(ep("primary", "not-the-password"), { applicationName: APP, backoff: { baseMs: 60_000 } });
    try {
      const first = await c.probe({ timeoutMs: 2000 });
      expect(first.kind).toBe("auth_failed");
      const second = await c.probe({ timeoutMs: 2000 });
      expect(second.kind).toBe("auth_failed");
      if (second.kind === "auth_failed") expect(second.error).toMatch(/next login attempt in \d+ s/);
      expect(c.stats.logins).toBe(1);
    } finally {
      c.dispose();
    }
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });
});
