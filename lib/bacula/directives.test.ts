import { describe, expect, it } from "vitest";
import {
  compareVersions,
  DIRECTOR_RESOURCES,
  findBlock,
  findDirective,
  findResource,
  formFields,
  RESOURCE_SPECS,
  SD_RESOURCES,
  versionSupports,
  type BlockSpec,
} from "./directives";
import { durationToSeconds, sizeToBytes, timeUsesMonthM } from "./units";
import { checkName, checkText, quote } from "./values";

describe("directive tables", () => {
  it("model keys and keywords are unique within each block", () => {
    const walk = (b: BlockSpec) => {
      const kws = b.directives.map((d) => d.name.replace(/\s/g, "").toLowerCase());
      expect(new Set(kws).size).toBe(kws.length);
      const keys = b.directives.filter((d) => d.type !== "msg-destination").map((d) => d.key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const d of b.directives) if (d.type === "enum") expect(d.values?.length).toBeGreaterThan(0);
      (b.blocks ?? []).forEach(walk);
    };
    [...DIRECTOR_RESOURCES, ...SD_RESOURCES].forEach(walk);
  });

  it("documents storage group versions and spellings", () => {
    const pol = findDirective(RESOURCE_SPECS.Pool, "StorageGroupPolicy")!;
    expect(pol.firstVersion).toBe("13.0");
    expect(pol.values).toEqual(["ListedOrder", "LeastUsed", "FreeSpace", "FreeSpaceLeastUsed", "LastBackedUpTo"]);
    expect(pol.valueVersions).toMatchObject({ FreeSpace: "15.0", FreeSpaceLeastUsed: "15.0", LastBackedUpTo: "15.0" });
    expect(findDirective(RESOURCE_SPECS.Job, "storage group policy threshold")!.firstVersion).toBe("15.0");
    expect(versionSupports("9.6.7", pol)).toBe(false);
    expect(versionSupports("13.0.1", pol, "LeastUsed")).toBe(true);
    expect(versionSupports("13.0.1", pol, "FreeSpace")).toBe(false);
    expect(versionSupports("15.0.3", pol, "LastBackedUpTo")).toBe(true);
  });

  it("matches keywords case-insensitively, ignoring spaces, with aliases", () => {
    expect(findDirective(RESOURCE_SPECS.Pool, "maximumvolumebytes")?.key).toBe("maximumVolumeBytes");
    expect(findDirective(RESOURCE_SPECS.Pool, "Maximum  Volume Bytes")?.name).toBe("Maximum Volume Bytes");
    expect(findDirective(RESOURCE_SPECS.Catalog, "user")?.key).toBe("dbUser");
    expect(findDirective(RESOURCE_SPECS.Catalog, "dbpassword")?.key).toBe("dbPassword");
    expect(findDirective(RESOURCE_SPECS.Director, "DIRport")?.key).toBe("port");
    expect(findDirective(RESOURCE_SPECS.Pool, "NoSuchThing")).toBeUndefined();
    expect(findResource("dir", "autochanger")?.kind).toBe("Storage");
    expect(findResource("sd", "Autochanger")?.kind).toBe("Autochanger");
    expect(findResource("dir", "Console")).toBeUndefined();
    const inc = findBlock(RESOURCE_SPECS.FileSet, "include")!;
    expect(findBlock(inc, "OPTIONS")?.name).toBe("Options");
    expect(findBlock(RESOURCE_SPECS.Job, "runscript")?.key).toBe("runScripts");
  });

  it("compares versions numerically", () => {
    expect(compareVersions("9.6.7", "13.0")).toBeLessThan(0);
    expect(compareVersions("15.0.3", "15.0")).toBeGreaterThan(0);
    expect(compareVersions("13.0", "13.0.0")).toBe(0);
  });

  it("gives form fields with labels, types, enum values, required and versions", () => {
    const pool = formFields("Pool");
    const policy = pool.find((f) => f.directive === "StorageGroupPolicy")!;
    expect(policy).toMatchObject({ type: "enum", required: false, firstVersion: "13.0", path: ["storageGroupPolicy"] });
    expect(pool.find((f) => f.directive === "Pool Type")).toMatchObject({ required: true, type: "enum" });
    expect(pool.find((f) => f.directive === "Storage")).toMatchObject({ type: "ref-list", ref: "Storage", repeated: true });
    // For a 13.0 Director the 15.0 values and the threshold are left out; for 9.6 the policy too.
    const p13 = formFields("Pool", "13.0.2");
    expect(p13.find((f) => f.directive === "StorageGroupPolicy")!.values).toEqual(["ListedOrder", "LeastUsed"]);
    expect(p13.find((f) => f.directive === "StorageGroupPolicyThreshold")).toBeUndefined();
    expect(formFields("Pool", "9.6.7").find((f) => f.directive === "StorageGroupPolicy")).toBeUndefined();
    const job = formFields("Job");
    expect(job.find((f) => f.path.join(".") === "runScripts.command")).toMatchObject({ required: true, type: "string" });
    expect(formFields("Messages").filter((f) => f.type === "msg-destination")).toHaveLength(1);
    expect(formFields("FileSet").map((f) => f.path[0])).toEqual(["name", "include", "signature", "compression", "exclude"]);
  });
});

describe("units (measured against bdirjson 15.0.3)", () => {
  it("sizes", () => {
    expect(sizeToBytes("1k")).toBe(1024);
    expect(sizeToBytes("1kb")).toBe(1000);
    expect(sizeToBytes("50G")).toBe(53687091200);
    expect(sizeToBytes("10 GB")).toBe(10_000_000_000);
    expect(sizeToBytes("1.5G")).toBe(1610612736);
    expect(sizeToBytes("1t")).toBe(1099511627776);
    expect(sizeToBytes("1p")).toBeUndefined();
    expect(sizeToBytes("-1")).toBeUndefined();
  });
  it("times", () => {
    expect(durationToSeconds("365 days")).toBe(31536000);
    expect(durationToSeconds("6 months")).toBe(15552000);
    expect(durationToSeconds("3 quarters")).toBe(23587200);
    expect(durationToSeconds("2h30m")).toBe(77767200); // m = months!
    expect(durationToSeconds("2 hours 30 min")).toBe(9000);
    expect(durationToSeconds("10 mins")).toBe(600);
    expect(durationToSeconds("1 n")).toBe(60);
    expect(durationToSeconds("1 secs")).toBeUndefined();
    expect(durationToSeconds("1 hr")).toBeUndefined();
    expect(durationToSeconds("1 mons")).toBeUndefined();
    expect(timeUsesMonthM("2h30m")).toBe(true);
    expect(timeUsesMonthM("30 min")).toBe(false);
  });
});

describe("value rules", () => {
  it("names", () => {
    expect(checkName("File4")).toBeNull();
    expect(checkName("a:b.c-d_e f")).toBeNull();
    expect(checkName("x".repeat(127))).toBeNull();
    expect(checkName("x".repeat(128))).toMatch(/127/);
    expect(checkName("")).toMatch(/empty/);
    expect(checkName("ü")).toMatch(/ü/);
    expect(checkName('a"b')).toMatch(/"/);
    expect(checkName("a\nb")).toMatch(/control/);
  });
  it("text", () => {
    expect(checkText('any "thing" \\ {} # ; @')).toBeNull();
    expect(checkText("a\nb")).toMatch(/newline/);
    expect(checkText("a\rb")).toMatch(/carriage return/);
    expect(checkText("a\tb")).toMatch(/control/);
    expect(checkText("\u007f")).toMatch(/control/);
    expect(checkText("\ud800")).toMatch(/surrogate/);
    expect(checkText("x".repeat(2049))).toMatch(/2048/);
    expect(checkText("x".repeat(128), 127)).toMatch(/127/);
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});
