import { describe, expect, it } from "vitest";
import { explainStorageSelection } from "./explain";
import { demoDirector } from "./testing/fixtures";

const dirs = { work: "/w", run: "/r" };

describe("explainStorageSelection", () => {
  it("the Pool's list and policy win over the Job's", () => {
    const cfg = demoDirector(dirs);
    cfg.jobs[0].storage = ["CopyFile"];
    cfg.jobs[0].storageGroupPolicy = "ListedOrder";
    const e = explainStorageSelection(cfg, { job: "Nightly-client1" });
    expect(e).toMatchObject({ storages: ["File4", "File5", "File6"], storageSource: "pool", policy: "LeastUsed", policySource: "pool", pool: "Full" });
    expect(e.text).toMatch(/Pool's Storage list wins over the Job's \("CopyFile"\)/);
    expect(e.text).toMatch(/LeastUsed: .*fewest jobs/);
  });

  it("falls back to the Job's list, then the Job's or JobDefs' policy, then ListedOrder", () => {
    const cfg = demoDirector(dirs);
    cfg.pools[0].storage = undefined;
    cfg.pools[0].storageGroupPolicy = undefined;
    cfg.jobDefs[0].storage = ["File6", "File4"];
    cfg.jobDefs[0].storageGroupPolicy = "FreeSpaceLeastUsed";
    cfg.jobDefs[0].storageGroupPolicyThreshold = "20G";
    let e = explainStorageSelection(cfg, { job: "Nightly-client1" });
    expect(e).toMatchObject({ storages: ["File6", "File4"], storageSource: "jobdefs", policy: "FreeSpaceLeastUsed", policySource: "jobdefs", threshold: "20G" });
    cfg.jobs[0].storageGroupPolicy = "LeastUsed";
    e = explainStorageSelection(cfg, { job: "Nightly-client1" });
    expect(e).toMatchObject({ policy: "LeastUsed", policySource: "job" });
    cfg.jobs[0].storageGroupPolicy = undefined;
    cfg.jobDefs[0].storageGroupPolicy = undefined;
    e = explainStorageSelection(cfg, { job: "Nightly-client1" });
    expect(e).toMatchObject({ policy: "ListedOrder", policySource: "default" });
    expect(e.text).toMatch(/default ListedOrder/);
  });

  it("a non-canonical spelling falls back to ListedOrder at runtime", () => {
    const cfg = demoDirector(dirs);
    cfg.pools[0].storageGroupPolicy = "leastused";
    const e = explainStorageSelection(cfg, { pool: "Full" });
    expect(e.policy).toBe("ListedOrder");
    expect(e.writtenPolicy).toBe("leastused");
    expect(e.text).toMatch(/case-sensitively.*Write LeastUsed/);
  });

  it("9.6 uses only the first storage", () => {
    const cfg = demoDirector(dirs, "9.6.7");
    const e = explainStorageSelection(cfg, { pool: "Full" });
    expect(e.storages).toEqual(["File4"]);
    expect(e.text).toMatch(/no storage groups/);
  });

  it("explains the destination of a Copy job", () => {
    const e = explainStorageSelection(demoDirector(dirs), { job: "Copy-to-SD2" });
    expect(e.text).toMatch(/reads from Pool "Full"/);
    expect(e.destination).toMatchObject({ pool: "Copy", storages: ["CopyFile"] });
    expect(e.text).toMatch(/written to the Next Pool "Copy"/);
  });

  it("unknown job", () => {
    expect(explainStorageSelection(demoDirector(dirs), { job: "Nope" }).text).toMatch(/no Job "Nope"/);
  });
});
