import { describe, expect, it } from "vitest";
import type { DirectorConfig } from "./model";
import { RenderError, renderDirector, renderStorageDaemon } from "./render";
import { demoDirector, demoSd2 } from "./testing/fixtures";

const dirs = { work: "/var/lib/bacula", run: "/run/bacula" };

function renderError(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RenderError) return e;
    throw e;
  }
  throw new Error("expected a RenderError");
}

describe("renderDirector", () => {
  it("is deterministic and names the revision without timestamps", () => {
    const a = renderDirector(demoDirector(dirs), { revision: 42 });
    const b = renderDirector(structuredClone(demoDirector(dirs)), { revision: 42 });
    expect(a).toBe(b);
    expect(a.split("\n").slice(0, 3).join("\n")).toMatch(/Model revision: 42/);
    expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(renderDirector(demoDirector(dirs), { revision: 43 })).not.toBe(a);
  });

  it("writes resources in table order, one directive per line, braces on their own lines", () => {
    const text = renderDirector(demoDirector(dirs), { revision: 1 });
    const order = [...text.matchAll(/^(\w+) \{$/gm)].map((m) => m[1]);
    expect(order.indexOf("Director")).toBe(0);
    expect(order.lastIndexOf("Catalog")).toBeLessThan(order.indexOf("Storage"));
    expect(order.lastIndexOf("Pool")).toBeLessThan(order.indexOf("Client"));
    expect(order.lastIndexOf("JobDefs")).toBeLessThan(order.indexOf("Job"));
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      // "X {", "}", or exactly one "Key = value" per line.
      expect(line).toMatch(/^\s*(\w+ \{|\}|[A-Za-z][A-Za-z ]*[A-Za-z] = .+)$/);
      expect(line).not.toMatch(/;\s*\w+\s*=/);
    }
    expect(text).toContain('  Storage = "File4", "File5", "File6"\n  StorageGroupPolicy = LeastUsed\n');
    expect(text).toContain('  Run = "CloneJob level=%l since=\\"%s\\""\n');
    expect(text).toContain("  Include {\n    Options {\n      Signature = SHA256\n");
    expect(text).toContain('  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    FailJobOnError = yes\n    Command = "/etc/bacula/scripts/replicate-config.sh"\n  }\n');
    expect(text).toContain('  Mail = "root@localhost" = all, !skipped\n');
    expect(text).toContain("  Maximum Volume Bytes = 50G\n  Maximum Volumes = 100\n");
  });

  it("escapes backslash and double quote", () => {
    const cfg = demoDirector(dirs);
    cfg.jobs[0].description = 'say "hi" \\ there';
    expect(renderDirector(cfg, { revision: 1 })).toContain('  Description = "say \\"hi\\" \\\\ there"\n');
  });

  const refusals: Array<[string, (c: DirectorConfig) => void, string, string, string | RegExp]> = [
    ["newline in a password", (c) => void (c.clients[0].password = "a\nClient {"), "Client", "password", /newline/],
    ["carriage return in a description", (c) => void (c.director.description = "a\rb"), "Director", "description", /carriage/],
    ["NUL in a run line", (c) => void (c.jobs[0].run = ["ok", "a\u0000"]), "Job", "run[1]", /control/],
    ["tab in a RunScript command", (c) => void (c.jobs[3].runScripts![0].command = "a\tb"), "Job", "runScripts[0].command", /control/],
    ["a quote in a name", (c) => void (c.pools[0].name = 'Full"'), "Pool", "name", /"/],
    ["a 128-character name", (c) => void (c.clients[0].name = "c".repeat(128)), "Client", "name", /127/],
    ["a bad storage list member", (c) => void (c.pools[0].storage = ["File4", "File5\n}"]), "Pool", "storage", /item 2/],
    ["an address with a space", (c) => void (c.storages[0].address = "a b"), "Storage", "address", /host name/],
    ["an invalid size", (c) => void (c.pools[0].maximumVolumeBytes = "50G\nPool {"), "Pool", "maximumVolumeBytes", /size/],
    ["an invalid time", (c) => void (c.pools[0].volumeRetention = "1 day, 2 hours"), "Pool", "volumeRetention", /duration/],
    ["a schedule line with a quote", (c) => void (c.schedules[0].run = ['Full at 23:05 "x}']), "Schedule", "run[0]", /unquoted/],
    ["a schedule line with a brace", (c) => void (c.schedules[0].run = ["Full at 23:05 }"]), "Schedule", "run[0]", /unquoted/],
    ["a non-canonical policy", (c) => void (c.pools[0].storageGroupPolicy = "leastused"), "Pool", "storageGroupPolicy", /LeastUsed/],
    ["an unknown enum value", (c) => void ((c.jobs[2] as { type: string }).type = "Archive"), "Job", "type", /one of/],
    ["a port out of range", (c) => void (c.storages[0].sdPort = 70000), "Storage", "sdPort", /65535/],
    ["a bad message type", (c) => void (c.messages[0].destinations![0].types = ["all, !x"]), "Messages", "destinations[0]", /message type/],
    ["a newline in a mail address", (c) => void (c.messages[0].destinations![0].where = "a@b\nc"), "Messages", "destinations[0]", /newline/],
    ["a console destination with an address", (c) => void (c.messages[0].destinations![1].where = "x"), "Messages", "destinations[1]", /no address/],
    ["a 128-byte media type", (c) => void (c.storages[0].mediaType = "m".repeat(128)), "Storage", "mediaType", /127/],
  ];
  for (const [title, mutate, resource, field, msg] of refusals) {
    it(`refuses ${title} (names resource and field)`, () => {
      const cfg = demoDirector(dirs);
      mutate(cfg);
      const e = renderError(() => renderDirector(cfg, { revision: 1 }));
      expect(e.resource).toBe(resource);
      expect(e.field).toBe(field);
      expect(e.message).toMatch(msg);
      expect(e.message).toContain(resource);
    });
  }

  it("refuses a revision that would break the header comment", () => {
    expect(() => renderDirector(demoDirector(dirs), { revision: "1\nDirector {" })).toThrow(RenderError);
  });
});

describe("renderStorageDaemon", () => {
  it("renders the SD resources and an autochanger device list", () => {
    const text = renderStorageDaemon(demoSd2(dirs), { revision: "r9" });
    expect(text).toContain('Autochanger {\n  Name = "CopyChanger"\n  Device = "CopyDev1", "CopyDev2"\n  Changer Device = "/dev/null"\n  Changer Command = ""\n}\n');
    expect(text).toContain("  SDPort = 9203\n");
    expect(text).toContain('  Director = "primary-dir" = all\n');
  });
});
