import os from "node:os";
import { describe, expect, it } from "vitest";
import { confQuote, dropConfKeys, formatConninfo, parseConninfo, readConfString } from "./pg";
import { asDataOwner, parseControlData } from "./remote";
import { isStale, OWNER } from "./runner";

describe("config and conninfo helpers", () => {
  it("round-trips a pg_basebackup -R primary_conninfo through postgresql.auto.conf quoting", () => {
    const pairs = parseConninfo("user=replicator password='it\\'s x' host=127.0.0.1 port=5433");
    expect(pairs).toEqual([["user", "replicator"], ["password", "it's x"], ["host", "127.0.0.1"], ["port", "5433"]]);
    const line = `primary_conninfo = ${confQuote(formatConninfo(pairs))}\n`;
    expect(parseConninfo(readConfString(line, "primary_conninfo")!)).toEqual(pairs);
  });
  it("drops only the named keys", () => {
    const t = "a = 1\nprimary_conninfo = 'x'\nprimary_slot_name = 's'\nport = 5\n";
    expect(dropConfKeys(t, ["primary_conninfo", "primary_slot_name"])).toBe("a = 1\nport = 5\n");
  });
  it("reads pg_controldata", () => {
    const cd = parseControlData("Database cluster state:               shut down\nLatest checkpoint location:           0/3000028\nLatest checkpoint's TimeLineID:       1\n");
    expect(cd).toEqual({ state: "shut down", checkpointLsn: "0/3000028", checkpointTimeline: 1, walLogHints: null, checksumVersion: null });
    const more = parseControlData("wal_log_hints setting:                on\nData page checksum version:           0\n");
    expect(more).toMatchObject({ walLogHints: "on", checksumVersion: 0 });
  });
  it("runs commands as postgres whatever the SSH user", () => {
    expect(asDataOwner("postgres", ["pg_ctl"])).toEqual(["pg_ctl"]);
    expect(asDataOwner("root", ["pg_ctl"])).toEqual(["runuser", "-u", "postgres", "--", "pg_ctl"]);
    expect(asDataOwner("deploy", ["pg_ctl"])).toEqual(["sudo", "-n", "-u", "postgres", "--", "pg_ctl"]);
  });
});

describe("ownership", () => {
  it("an operation is stale when its owner process is gone, not while it lives", () => {
    // The machine part of an instance id: hostname and pid namespace (lib/cluster/instance.ts).
    const host = OWNER.split(":")[0];
    expect(host.startsWith(os.hostname())).toBe(true);
    expect(isStale({ id: 1, owner: `${host}:${process.ppid}:abcd`, heartbeatAt: new Date() })).toBe(false);
    // Same hostname, another pid namespace (another container): its pids say nothing here.
    expect(isStale({ id: 1, owner: `${os.hostname()}/1:2147483646:abcd`, heartbeatAt: new Date() })).toBe(false);
    expect(isStale({ id: 1, owner: `${host}:2147483646:abcd`, heartbeatAt: new Date() })).toBe(true);
    expect(isStale({ id: 1, owner: OWNER, heartbeatAt: new Date() })).toBe(true); // ours but not running here
    expect(isStale({ id: 1, owner: "other-host:1:abcd", heartbeatAt: new Date() })).toBe(false);
    expect(isStale({ id: 1, owner: "other-host:1:abcd", heartbeatAt: new Date(Date.now() - 10 * 60_000) })).toBe(true);
  });
});

describe("fence helpers", () => {
  it("splits the fence budget so the steps never exceed it", async () => {
    const { fenceStepBudgets } = await import("./fence");
    for (const b of [3000, 6000, 15_000, 120_000]) {
      const s = fenceStepBudgets(b);
      expect(s.connect + s.fast + s.immediate + s.kill).toBeLessThanOrEqual(b);
      expect(s.fast).toBeGreaterThan(s.immediate);
    }
  });
  it("writes one primary_conninfo towards the new primary, replication credentials kept, a note that cannot inject a line", async () => {
    const { fenceConfLines } = await import("./fence");
    const text = fenceConfLines({
      newPrimary: { host: "10.0.0.2", port: 5433 },
      conninfoPairs: [["user", "replicator"], ["password", "it's"], ["host", "10.0.0.1"], ["port", "5432"], ["sslmode", "prefer"]],
      applicationName: "pg a",
      note: "fenced\nprimary_conninfo = 'evil'",
    });
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0].startsWith("# ")).toBe(true);
    expect(lines[2]).toBe("primary_slot_name = ''");
    const conninfo = parseConninfo(readConfString(text, "primary_conninfo")!);
    expect(conninfo).toEqual([["user", "replicator"], ["password", "it's"], ["sslmode", "prefer"], ["host", "10.0.0.2"], ["port", "5433"], ["application_name", "pg_a"]]);
  });
});

describe("requirements page", () => {
  it("serves the README's section: grants per database, the SSH user, the files", async () => {
    const { requirementsMarkdown, toBlocks } = await import("./requirements");
    const md = requirementsMarkdown();
    expect(md).not.toBeNull();
    expect(md).toContain("GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer)");
    expect(md).toContain("standby.signal");
    expect(md).not.toContain("## Director switchover");
    const blocks = toBlocks(md!);
    expect(blocks.some((b) => b.kind === "code" && b.text.includes("pg_wal_replay_resume"))).toBe(true);
    expect(blocks.some((b) => b.kind === "ul" && b.items.some((i) => i.includes("usermod -p '*' postgres")))).toBe(true);
  });
});
