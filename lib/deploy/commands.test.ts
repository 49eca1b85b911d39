import { describe, expect, it } from "vitest";
import { checkBconsoleConfig, checkBconsolePath, checkCommandPolicy, checkExtraProgram } from "./commands";
import { splitArgv } from "./engine";

const rule = (cmd: string, extra: string[] = []) => checkCommandPolicy(splitArgv(cmd), extra)?.rule ?? null;

describe("command policy", () => {
  it("allows the service managers, Bacula's daemons and scripts, pg_ctl, by name or in a system directory", () => {
    for (const ok of [
      "systemctl restart bacula-sd",
      "/usr/bin/systemctl --no-block start bacula-director.service",
      "sudo -n systemctl stop bacula-director",
      "service bacula-sd restart",
      "/opt/bacula/scripts/bacula-ctl-dir start",
      "pg_ctlcluster 15 main stop -m fast",
      "/usr/lib/postgresql/15/bin/pg_ctl stop -D /var/lib/postgresql/15/main -m fast",
    ]) expect(rule(ok), ok).toBeNull();
  });

  it("refuses shells, interpreters and program runners, even as an admin's extra program", () => {
    for (const bad of ["/bin/sh -c id", "bash -c id", "python3 -c 1", "/usr/bin/perl -e 1", "env X=1 systemctl start x", "sudo sh -c id", "busybox sh", "nohup systemctl start x", "timeout 5 systemctl start x"]) {
      expect(rule(bad, ["/bin/sh", "env"]), bad).toBe("interpreter");
    }
    expect(checkExtraProgram("/usr/bin/python3.11")?.rule).toBe("interpreter");
    expect(checkExtraProgram("/usr/local/sbin/start-director")).toBeNull();
    expect(checkExtraProgram("../x")?.rule).toBe("program-name");
  });

  it("refuses other programs unless an admin added them, and arguments that run something else", () => {
    expect(rule("/usr/local/sbin/start-director --site b")).toBe("program-allowed");
    expect(rule("/usr/local/sbin/start-director --site b", ["/usr/local/sbin/start-director"])).toBeNull();
    expect(rule("/tmp/systemctl restart x")).toBe("program-allowed");
    expect(rule("systemctl link /tmp/evil.service")).toBe("systemctl-verb");
    expect(rule("systemctl start /tmp/evil.service")).toBe("unit-name");
    expect(rule("systemctl --host evil start x")).toBe("systemctl-flag");
    expect(rule("pg_ctl start -o '-c archive_command=id'")).toBe("pg-ctl-options");
    expect(rule("pg_ctl start -p /bin/sh")).toBe("pg-ctl-options");
    expect(rule("service ../x start")).toBe("service-args");
    expect(rule("sudo -u root systemctl start x")).toBe("sudo");
  });

  it("checks bconsole's path and config", () => {
    expect(checkBconsolePath("/usr/sbin/bconsole")).toBeNull();
    expect(checkBconsolePath("/bin/sh")?.rule).toBe("interpreter");
    expect(checkBconsolePath("/usr/bin/env")?.rule).toBe("interpreter");
    expect(checkBconsolePath("bconsole")?.rule).toBe("absolute-path");
    expect(checkBconsolePath("/usr/sbin/../../bin/sh")?.rule).toBe("absolute-path");
    expect(checkBconsoleConfig("/etc/bacula/bconsole.conf")).toBeNull();
    expect(checkBconsoleConfig("/etc/passwd")?.rule).toBe("conf-file");
    expect(checkBconsoleConfig("/bin/true; id > f")?.rule).toBe("absolute-path");
  });
});
