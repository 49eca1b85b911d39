import { describe, expect, it } from "vitest";
import type { DirectorConfig } from "./model";
import { parseTree } from "./parser";
import { RenderError, renderDirector, renderResource, renderStorageDaemon } from "./render";
import { findResource } from "./tables";
import { demoDirector, demoSd2 } from "./testing/fixtures";
import { getBlocks, getValues, resourceName, type ConfigTree, type ResourceNode } from "./tree";
import { validateDirector } from "./validate";

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

/** The rendered text read back by our own (Bacula-faithful) parser; it must read without a single issue. */
function readBack(text: string, daemon: "dir" | "sd" = "dir"): ConfigTree {
  const { tree, issues } = parseTree(text, daemon);
  expect(issues).toEqual([]);
  return tree;
}

function node(tree: ConfigTree, type: string, name: string): ResourceNode {
  const n = tree.resources.find((r) => r.type === type && resourceName(r) === name);
  expect(n, `${type} ${name}`).toBeDefined();
  return n!;
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
    // Every resource keyword is the table's own spelling (Bacula's JSON view key).
    for (const kw of order) expect(findResource("dir", kw)?.name).toBe(kw);
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      // "X {", "}", or exactly one "Key = value" per line; directive names are written without spaces.
      expect(line).toMatch(/^\s*([A-Za-z]+ \{|\}|[A-Za-z]+ = .+)$/);
      expect(line).not.toMatch(/;\s*\w+\s*=/);
    }
    // What matters, read back: the ordered storage group, the clone Run line, the FileSet blocks,
    // the RunScript block and the mail destination.
    const tree = readBack(text);
    const full = node(tree, "Pool", "Full");
    expect(getValues(full, "Storage")).toEqual([["File4", "File5", "File6"]]);
    expect(getValues(full, "StorageGroupPolicy")).toEqual(["LeastUsed"]);
    expect(getValues(full, "MaximumVolumeBytes")).toEqual(["50G"]);
    expect(getValues(full, "MaximumVolumes")).toEqual([100]);
    expect(getValues(node(tree, "Job", "Nightly-client1"), "Run")).toEqual([['CloneJob level=%l since="%s"']]);
    const inc = getBlocks(node(tree, "Fileset", "Full Set"), "Include");
    expect(inc).toHaveLength(1);
    const opts = getBlocks(inc[0], "Options");
    expect(opts).toHaveLength(1);
    expect(getValues(opts[0], "Signature").map((v) => String(v).toUpperCase())).toEqual(["SHA256"]);
    expect(getValues(inc[0], "File")).toEqual(["/etc", "/home"]);
    const [rs] = getBlocks(node(tree, "Job", "Replicate-Config"), "Runscript");
    expect(rs.items.map((i) => (i.kind === "directive" ? [i.name, i.value] : [i.name]))).toEqual([
      ["RunsWhen", "Before"],
      ["RunsOnClient", false],
      ["FailJobOnError", true],
      ["Command", "/etc/bacula/scripts/replicate-config.sh"],
    ]);
    expect(getValues(node(tree, "Messages", "Standard"), "Mail")).toEqual([{ where: ["root@localhost"], types: ["all", "!skipped"] }]);
  });

  it("escapes backslash and double quote", () => {
    const cfg = demoDirector(dirs);
    cfg.jobs[0].description = 'say "hi" \\ there';
    const text = renderDirector(cfg, { revision: 1 });
    expect(text).toContain('  Description = "say \\"hi\\" \\\\ there"\n');
    expect(getValues(node(readBack(text), "Job", "Nightly-client1"), "Description")).toEqual(['say "hi" \\ there']);
  });

  it("writes a line feed inside a free-text value as part of one quoted string (Bacula keeps it)", () => {
    const cfg = demoDirector(dirs);
    cfg.jobs[0].description = "first line\n}\nJob {";
    const text = renderDirector(cfg, { revision: 1 });
    const tree = readBack(text);
    expect(tree.resources.filter((r) => r.type === "Job")).toHaveLength(cfg.jobs.length);
    expect(getValues(node(tree, "Job", "Nightly-client1"), "Description")).toEqual(["first line\n}\nJob {"]);
  });

  // [title, mutation, resource, directive (table spelling), path, message, typed field the validator names]
  const refusals: Array<[string, (c: DirectorConfig) => void, string, string, string, RegExp, string]> = [
    ["newline in a password", (c) => void (c.clients[0].password = "a\nClient {"), "Client", "Password", "Password", /line break/, "password"],
    ["carriage return in a description", (c) => void (c.director.description = "a\rb"), "Director", "Description", "Description", /U\+000D/, "description"],
    ["NUL in a run line", (c) => void (c.jobs[0].run = ["ok", "a\u0000"]), "Job", "Run", "Run[1]", /U\+0000/, "run"],
    ["DEL in a RunScript command", (c) => void (c.jobs[3].runScripts![0].command = "a\u007fb"), "Job", "Command", "Runscript.Command", /U\+007F/, "runScripts[0].command"],
    ["a quote in a name", (c) => void (c.pools[0].name = 'Full"'), "Pool", "Name", "Name", /"\\""/, "name"],
    ["a 128-character name", (c) => void (c.clients[0].name = "c".repeat(128)), "Client", "Name", "Name", /127/, "name"],
    ["a bad storage list member", (c) => void (c.pools[0].storage = ["File4", "File5\n}"]), "Pool", "Storage", "Storage", /item 2/, "storage"],
    ["an address with a space", (c) => void (c.director.address = "a b"), "Director", "DirAddress", "DirAddress", /host name/, "address"],
    ["an invalid size", (c) => void (c.pools[0].maximumVolumeBytes = "50 parsecs"), "Pool", "MaximumVolumeBytes", "MaximumVolumeBytes", /size/, "maximumVolumeBytes"],
    ["an invalid time", (c) => void (c.pools[0].volumeRetention = "1 day, 2 hours"), "Pool", "VolumeRetention", "VolumeRetention", /duration/, "volumeRetention"],
    ["a schedule line with a quote", (c) => void (c.schedules[0].run = ['Full at 23:05 "x}']), "Schedule", "Run", "Run", /not closed/, "run[0]"],
    ["a schedule line with a brace", (c) => void (c.schedules[0].run = ["Full at 23:05 }"]), "Schedule", "Run", "Run", /unquoted/, "run[0]"],
    ["a non-canonical policy", (c) => void (c.pools[0].storageGroupPolicy = "leastused"), "Pool", "StorageGroupPolicy", "StorageGroupPolicy", /written LeastUsed/, "storageGroupPolicy"],
    ["an unknown enum value", (c) => void (c.jobs[2].type = "Archive"), "Job", "Type", "Type", /one of/, "type"],
    ["a listening port out of range", (c) => void (c.director.port = 70000), "Director", "DirPort", "DirPort", /65534/, "port"],
    ["a bad message type", (c) => void (c.messages[0].destinations![0].types = ["all, !x"]), "Messages", "Mail", "Mail", /message type/, "directives.Mail"],
    ["a newline in a mail address", (c) => void (c.messages[0].destinations![0].where = "a@b\nc"), "Messages", "Mail", "Mail", /line break/, "directives.Mail"],
    ["a console destination with an address", (c) => void (c.messages[0].destinations![1].where = "x"), "Messages", "Console", "Console", /takes no address/, "directives.Console"],
    ["a line break in a size", (c) => void (c.pools[0].maximumVolumeBytes = "50G\nPool {"), "Pool", "MaximumVolumeBytes", "MaximumVolumeBytes", /line break/, "maximumVolumeBytes"],
    ["a 128-byte media type", (c) => void (c.storages[0].mediaType = "m".repeat(128)), "Storage", "MediaType", "MediaType", /127/, "mediaType"],
  ];
  for (const [title, mutate, resource, directive, where, msg, field] of refusals) {
    it(`refuses ${title} (names resource, directive and path; the validator names the field)`, () => {
      const cfg = demoDirector(dirs);
      mutate(cfg);
      const e = renderError(() => renderDirector(cfg, { revision: 1 }));
      expect(e.resource).toBe(resource);
      expect(e.directive).toBe(directive);
      expect(e.path).toBe(where);
      expect(e.problem).toMatch(msg);
      expect(e.message).toContain(resource);
      // The same value is refused at save, with the model's field and the rule.
      const problems = validateDirector(cfg).filter((p) => p.severity === "error" && p.resource === resource);
      expect(problems.map((p) => p.field)).toContain(field);
      expect(problems.find((p) => p.field === field)?.message).toMatch(msg);
    });
  }

  it("refuses a revision that would break the header comment", () => {
    expect(() => renderDirector(demoDirector(dirs), { revision: "1\nDirector {" })).toThrow(RenderError);
  });

  it("writes a Director-side Autochanger under its own keyword, and a typed RunScript as the table's Runscript block", () => {
    const cfg = demoDirector(dirs);
    cfg.storages[3].keyword = "Autochanger";
    const text = renderDirector(cfg, { revision: 1 });
    expect(text).toMatch(/^Autochanger \{\n {2}Name = "CopyFile"\n/m);
    const tree = readBack(text);
    const changer = tree.resources.find((r) => resourceName(r) === "CopyFile")!;
    expect(changer.type).toBe("Storage");
    expect(changer.keyword).toBe("Autochanger");
    // renderResource (single resource previews) goes through the same renderer.
    expect(renderResource("Job", cfg.jobs[3])).toMatch(/^ {2}Runscript \{\n {4}RunsWhen = Before\n/m);
  });
});

describe("renderStorageDaemon", () => {
  it("renders the SD resources and an autochanger device list", () => {
    const text = renderStorageDaemon(demoSd2(dirs), { revision: "r9" });
    const tree = readBack(text, "sd");
    const changer = node(tree, "Autochanger", "CopyChanger");
    expect(changer.items.map((i) => (i.kind === "directive" ? [i.name, i.value] : [i.name]))).toEqual([
      ["Name", "CopyChanger"],
      ["Device", ["CopyDev1", "CopyDev2"]],
      ["ChangerDevice", "/dev/null"],
      ["ChangerCommand", ""],
    ]);
    expect(getValues(node(tree, "Storage", "sd2"), "SdPort")).toEqual([9203]);
    expect(getValues(node(tree, "Messages", "Standard"), "Director")).toEqual([{ where: ["primary-dir"], types: ["all"] }]);
    expect(text).toContain('  Device = "CopyDev1", "CopyDev2"\n');
  });
});
