import { describe, expect, it } from "vitest";
import { emptyDirectorConfig } from "./model";
import { effectiveJob, validateDirector } from "./validate";

describe("JobDefs inheritance with empty lists", () => {
  it("an empty Storage list on the Job does not hide the JobDefs' Storage (as loaded from the database)", () => {
    const cfg = emptyDirectorConfig({ name: "d", version: "15.0.3", password: "p", queryFile: "/q", workingDirectory: "/w", pidDirectory: "/p" });
    cfg.storages.push({ name: "File1", address: "sd", password: "x", device: "Dev", mediaType: "File1" });
    cfg.pools.push({ name: "P", poolType: "Backup" });
    cfg.catalogs.push({ name: "C", dbName: "bacula" });
    cfg.clients.push({ name: "fd", address: "fd", password: "x", catalog: "C" });
    cfg.filesets.push({ name: "FS", include: ["/etc"] });
    cfg.messages.push({ name: "M", destinations: [{ kind: "console", types: ["all"] }] });
    cfg.jobDefs.push({ name: "JD", type: "Backup", pool: "P", client: "fd", fileset: "FS", messages: "M", storage: ["File1"], run: ["X level=%l"] });
    cfg.jobs.push({ name: "J", jobDefs: "JD", storage: [], run: [], runScripts: [] });
    expect(effectiveJob(cfg, cfg.jobs[0])).toMatchObject({ storage: ["File1"], run: ["X level=%l"] });
    expect(validateDirector(cfg).filter((p) => p.severity === "error" && p.name === "J")).toEqual([]);
  });
});

describe("Schedule times", () => {
  it("refuses a time of day Bacula's parser rejects", async () => {
    const { runBdirjson, makeBaculaTempDir } = await import("./testing/bacula-bin");
    const { demoDirector } = await import("./testing/fixtures");
    const { renderDirector } = await import("./render");
    const tmp = makeBaculaTempDir();
    try {
      for (const [run, ok] of [["Full 1st sun at 23:59", true], ["Full 1st sun at 24:05", false], ["Incremental mon-sat at 23:60", false]] as const) {
        const cfg = demoDirector(tmp);
        cfg.schedules[0].run = [run];
        const problems = validateDirector(cfg).filter((p) => p.severity === "error" && p.resource === "Schedule");
        expect(problems.length === 0, run).toBe(ok);
        if (!ok) expect(problems[0].message).toMatch(/Schedule "[^"]+": Run .*not a time of day/);
        // The renderer refuses to write a refused value: Bacula sees it written by hand.
        const good = demoDirector(tmp);
        good.schedules[0].run = ["Full 1st sun at 23:59"];
        const text = renderDirector(good, { revision: 1 }).replace("Run = Full 1st sun at 23:59", `Run = ${run}`);
        expect(runBdirjson(text, { test: true }).code === 0, run).toBe(ok);
      }
    } finally {
      tmp.cleanup();
    }
  });
});
