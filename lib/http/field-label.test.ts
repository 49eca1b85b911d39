import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builderFieldLabel } from "@/lib/builder/labels";
import { fieldLabel, labelled, problemText, showsRawPath } from "./field-label";
import "./zod-messages";

describe("field labels for people", () => {
  it("words a path, counting list items from 1", () => {
    expect(fieldLabel("confirmClusterName")).toBe("Confirm cluster name");
    expect(fieldLabel("targets.2")).toBe("Targets, item 3");
    expect(fieldLabel("fenceTimeoutMs")).toBe("Fence timeout");
    expect(fieldLabel("(body)")).toBe("Request");
    expect(fieldLabel("storageIds", "Storage group (in order)")).toBe("Storage group (in order)");
  });

  it("names the label once", () => {
    expect(labelled("Name", "may contain only letters")).toBe("Name: may contain only letters");
    expect(labelled("Database", "Database: lower-case letters")).toBe("Database: lower-case letters");
    expect(problemText({ field: "chain.hops.1.job.scheduleId", message: "no schedule named \"X\"", label: "Hop 2 schedule" })).toBe('Hop 2 schedule: no schedule named "X"');
    expect(showsRawPath("chain.hops.0.target.pool: required", [{ field: "chain.hops.0.target.pool", message: "required" }])).toBe(true);
    expect(showsRawPath("Hop 1 target pool: required", [{ field: "chain.hops.0.target.pool", message: "required" }])).toBe(false);
  });

  it("labels the builders' paths as their pages label the inputs", () => {
    expect(builderFieldLabel("chain.hops.1.job.scheduleId", "Schedule")).toBe("Hop 2 schedule");
    expect(builderFieldLabel("chain.hops.0.target.pool")).toBe("Hop 1 target pool");
    expect(builderFieldLabel("chain.hops.0.target.storage.0")).toBe("Hop 1 new pool storage");
    expect(builderFieldLabel("chain.start.job")).toBe("Backup job");
    expect(builderFieldLabel("chain.defaults.fileset")).toBe("FileSet of the new jobs");
    expect(builderFieldLabel("pools.0.storageGroupPolicyThreshold")).toBe("Policy threshold");
    expect(builderFieldLabel("pools.0.name")).toBe("Pool");
    expect(builderFieldLabel("knownHostsPath")).toBe("known_hosts path");
  });

  it("gives zod's defaults in words, and keeps a schema's own message", () => {
    const s = z.object({ login: z.string(), name: z.string().min(1), role: z.enum(["viewer", "admin"]), note: z.string().max(3), own: z.string().min(2, "too short, own words") }).strict();
    const r = s.safeParse({ name: "", role: "root", note: "long", own: "x", extra: 1 });
    const byPath = Object.fromEntries(r.error!.issues.map((i) => [i.path.join(".") || "(body)", i.message]));
    expect(byPath).toEqual({
      login: "is required",
      name: "is required",
      role: "must be one of viewer, admin",
      note: "must be at most 3 characters",
      own: "too short, own words",
      "(body)": "extra: not a field of this form",
    });
  });
});
