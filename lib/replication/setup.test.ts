import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { generateReplicationSetup, pgMajorFrom, quoteIdent, quoteLiteral, shellQuote, type SetupInput } from "./setup";

const base: SetupInput = {
  pgMajor: 15,
  primaryHost: "10.0.0.1",
  standbyHost: "10.0.0.2",
  monitorNetwork: "10.0.9.0/24",
  standbyDataDir: "/var/lib/postgresql/15/main",
  slotName: "standby_site_b",
};

const step = (plan: ReturnType<typeof generateReplicationSetup>, id: string) => plan.steps.find((s) => s.id === id)!.text;

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZodError) return e.issues.map((i) => i.path.join("."));
    throw e;
  }
  return [];
}

describe("generateReplicationSetup", () => {
  it("writes roles, pg_hba, settings, the pg_basebackup clone and the checks for PostgreSQL 15", () => {
    const plan = generateReplicationSetup(base);
    expect(plan.steps.map((s) => s.id)).toEqual([
      "roles",
      "pg_hba",
      "postgresql_conf",
      "restart",
      "basebackup",
      "checks_primary",
      "checks_standby",
      "checks_monitor",
    ]);
    const roles = step(plan, "roles");
    expect(roles).toContain('CREATE ROLE "bacula_monitor" WITH LOGIN');
    expect(roles).toContain('GRANT pg_monitor TO "bacula_monitor";');
    expect(roles).toContain('CREATE ROLE "replicator" WITH LOGIN REPLICATION');
    expect(roles).toContain('\\password "replicator"');
    expect(roles).not.toContain("password_encryption"); // default since 14
    expect(roles).not.toMatch(/PASSWORD '/); // never a password in the text

    const hba = step(plan, "pg_hba").split("\n").filter((l) => !l.startsWith("#"));
    expect(hba[0].split(/\s+/)).toEqual(["host", "replication", "replicator", "10.0.0.2/32", "scram-sha-256"]);
    expect(hba[1].split(/\s+/)).toEqual(["host", "bacula", "bacula_monitor", "10.0.9.0/24", "scram-sha-256"]);

    const conf = step(plan, "postgresql_conf");
    for (const line of ["wal_level = replica", "wal_log_hints = on", "max_wal_senders = 10", "max_replication_slots = 10", "hot_standby = on", "wal_keep_size = 1024MB"]) {
      expect(conf).toContain(line);
    }
    expect(conf).not.toContain("wal_keep_segments");

    const bb = step(plan, "basebackup");
    expect(bb).toContain(
      "/usr/lib/postgresql/15/bin/pg_basebackup -h 10.0.0.1 -p 5432 -U replicator -D /var/lib/postgresql/15/main -R -X stream -C -S standby_site_b --checkpoint=fast -P",
    );
    expect(step(plan, "checks_primary")).toContain("WHERE slot_name = 'standby_site_b'");
    expect(step(plan, "checks_monitor")).toContain("'host=10.0.0.2 port=5432 dbname=bacula user=bacula_monitor'");
  });

  it("follows the major version: 12 keeps wal_keep_segments and sets scram, 16+ warns that promote_trigger_file is gone", () => {
    const p12 = generateReplicationSetup({ ...base, pgMajor: 12, walKeepMb: 160 });
    expect(step(p12, "postgresql_conf")).toContain("wal_keep_segments = 10");
    expect(step(p12, "postgresql_conf")).not.toContain("wal_keep_size");
    expect(step(p12, "roles")).toContain("SET password_encryption = 'scram-sha-256';");
    expect(step(p12, "basebackup")).toContain("/usr/lib/postgresql/12/bin/pg_basebackup");
    const p16 = generateReplicationSetup({ ...base, pgMajor: "16" as unknown as number });
    expect(p16.steps.find((s) => s.id === "postgresql_conf")!.notes.join(" ")).toContain("promote_trigger_file");
    expect(fieldsOf(() => generateReplicationSetup({ ...base, pgMajor: 9 }))).toEqual(["pgMajor"]);
    expect(fieldsOf(() => generateReplicationSetup({ ...base, pgMajor: 18 }))).toEqual(["pgMajor"]);
  });

  it("refuses every value that could inject SQL, a shell command or a config line, naming the field", () => {
    const bad: Array<[keyof SetupInput, unknown]> = [
      ["slotName", "s1; DROP TABLE job"],
      ["slotName", "Slot"],
      ["monitorUser", 'mon" SUPERUSER --'],
      ["replicationUser", "rep\nhost all all 0.0.0.0/0 trust"],
      ["database", "bacula'"],
      ["primaryHost", "db1 && rm -rf /"],
      ["primaryHost", "$(reboot)"],
      ["standbyHost", "db2\nlocal all all trust"],
      ["standbyDataDir", "/var/lib/pg; reboot"],
      ["standbyDataDir", "relative/dir"],
      ["standbyDataDir", "/var/lib/../../etc"],
      ["pgBinDir", "/usr/bin `id`"],
      ["monitorNetwork", "0.0.0.0/0 trust"],
      ["monitorNetwork", "10.0.0.1"],
      ["standbyNetwork", "10.0.0.0/33"],
      ["primaryPort", 70000],
      ["maxWalSenders", "10\nfsync = off"],
    ];
    for (const [field, value] of bad) {
      expect(fieldsOf(() => generateReplicationSetup({ ...base, [field]: value })), `${field}=${JSON.stringify(value)}`).toEqual([field]);
    }
  });

  it("handles host names and IPv6: no /32 guess for a name, /128 for an IPv6 standby", () => {
    const named = generateReplicationSetup({ ...base, standbyHost: "pg-b.example.net" });
    expect(step(named, "pg_hba")).toContain("<standby-ip>/32");
    const withNet = generateReplicationSetup({ ...base, standbyHost: "pg-b.example.net", standbyNetwork: "192.168.1.0/24" });
    expect(step(withNet, "pg_hba")).toMatch(/replication\s+replicator\s+192\.168\.1\.0\/24/);
    const v6 = generateReplicationSetup({ ...base, standbyHost: "fd00::2", monitorNetwork: "fd00::/64" });
    expect(step(v6, "pg_hba")).toMatch(/replicator\s+fd00::2\/128/);
  });

  it("quotes for SQL and the shell", () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(shellQuote("/usr/lib/postgresql/15/bin")).toBe("/usr/lib/postgresql/15/bin");
    expect(shellQuote("a b'c")).toBe("'a b'\\''c'");
    expect(pgMajorFrom("15.8 (Debian 15.8-0+deb12u1)")).toBe(15);
    expect(pgMajorFrom("/usr/lib/postgresql/16/bin")).toBe(16);
    expect(pgMajorFrom(null)).toBeNull();
  });
});
