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
    const host = os.hostname();
    expect(isStale({ id: 1, owner: `${host}:${process.ppid}:abcd`, heartbeatAt: new Date() })).toBe(false);
    expect(isStale({ id: 1, owner: `${host}:2147483646:abcd`, heartbeatAt: new Date() })).toBe(true);
    expect(isStale({ id: 1, owner: OWNER, heartbeatAt: new Date() })).toBe(true); // ours but not running here
    expect(isStale({ id: 1, owner: "other-host:1:abcd", heartbeatAt: new Date() })).toBe(false);
    expect(isStale({ id: 1, owner: "other-host:1:abcd", heartbeatAt: new Date(Date.now() - 10 * 60_000) })).toBe(true);
  });
});
