import { describe, expect, it } from "vitest";
import { cAtoi, checkScheduleLine } from "./schedule";
import { valueProblem } from "./stores";
import { findDirective, findResource } from "./tables";

const run = findDirective(findResource("dir", "Schedule")!, "Run")!;
const connect = findDirective(findResource("fd", "Schedule")!, "Connect")!;

describe("Schedule Run grammar", () => {
  it("accepts Bacula's documented forms and names the resources they use", () => {
    for (const line of ["Level=Full 1st sun at 23:05", "Full 1st sun at 23:05", "Incremental mon-sat at 23:05", "Level=Full Pool=Weekly Storage=File1 Messages=Std on 1,15 at 2:30pm", "hourly at 0:15", "w01-w26 sat", "lastday at 22:00", "daily"])
      expect(checkScheduleLine(line).problem, line).toBeNull();
    expect(checkScheduleLine("Level=Full Pool=Weekly FullPool=\"My Pool\" Storage=File1 Messages=Std daily").refs).toEqual([
      { type: "Pool", keyword: "Pool", name: "Weekly" },
      { type: "Pool", keyword: "FullPool", name: "My Pool" },
      { type: "Storage", keyword: "Storage", name: "File1" },
      { type: "Messages", keyword: "Messages", name: "Std" },
    ]);
  });

  it("says why a line is refused, in the operator's words", () => {
    const cases: [string, RegExp][] = [
      ["at 25:99", /25:99, which is not a time of day/],
      ["daily Pool=Weekly", /after its time part: levels and overrides come first/],
      ["2 jan at 12:00", /cannot start with a number \(2\).*write "on 2"/],
      ["Full", /says no time/],
      ["Full 1 at 12:00", /number \(1\) right after its level.*"on 1"/],
      ["12:00", /without "at"/],
      ["fortnightly", /"fortnightly", which is not a schedule word/],
      ["on 32", /day 32: days of the month are 1-31/],
      ["w54", /week w54/],
      ["sun-sunday", /both ends must be different week days/],
      ["Level=Weekly daily", /Level=Weekly is not a level/],
      ["Accurate=maybe daily", /Accurate must be yes or no/],
      ["Priority=-1 daily", /Priority must be a positive whole number/],
      ["MaxRunSchedTime=ten daily", /not a duration/],
      ['"daily"', /quoted/],
      ["", /is empty/],
    ];
    for (const [line, re] of cases) expect(checkScheduleLine(line).problem, line).toMatch(re);
  });

  it("warns where Bacula accepts a line but reads it otherwise than written", () => {
    expect(checkScheduleLine("at 12:ab").warnings).toEqual(["the time 12:ab is read by Bacula as 12:00: write hh:mm"]);
    expect(checkScheduleLine("Priority=1e3 daily").warnings[0]).toMatch(/Priority=1e3 is not read as written/);
    expect(checkScheduleLine("Full on 4294967297").warnings).toEqual(["day 4294967297 is read by Bacula as day 1"]);
    expect(checkScheduleLine("Full on 1 at 1:05").warnings).toEqual([]);
  });

  it("is the check of the Run store (the field label comes from the caller)", () => {
    expect(valueProblem(run, "at 24:00")).toMatch(/not a time of day/);
    expect(valueProblem(run, "Full sun at 1:00")).toBeNull();
  });

  it("reads a File Daemon's Connect line with its one override and no levels", () => {
    expect(valueProblem(connect, 'MaxConnectTime="2 hours" mon-fri at 8:00am')).toBeNull();
    expect(valueProblem(connect, "Full daily")).toMatch(/"Full"/);
  });

  it("reads numbers as C's atoi does", () => {
    expect(cAtoi("12")).toBe(12);
    expect(cAtoi("+5")).toBe(5);
    expect(cAtoi("x")).toBe(0);
    expect(cAtoi("4294967297")).toBe(1);
    expect(cAtoi("99999999999999999999")).toBe(-1);
  });
});
