import { describe, expect, it } from "vitest";
import { exampleAddressReason, isExampleAddress } from "./example-address";
import { probeMember } from "./probes";

describe("example addresses", () => {
  it("recognises the names reserved for examples, and only those", () => {
    for (const h of ["pg-a.example.net", "example.com", "db.EXAMPLE.org", "pg.site.example", "x.invalid", "pg-b.example.net."]) {
      expect(isExampleAddress(h), h).toBe(true);
    }
    for (const h of ["127.0.0.1", "::1", "localhost", "pg.example.nett", "myexample.net", "example.net.corp.lan", "pg-a.prod.lan", "examples.org"]) {
      expect(isExampleAddress(h), h).toBe(false);
    }
  });

  it("a probe of a demo member says it is a demo endpoint, at once and without a DNS lookup", async () => {
    const t0 = Date.now();
    const r = await probeMember({ host: "pg-a.example.net", port: 5432, user: "monitor", password: "x" }, { timeoutMs: 3000 });
    expect(r.kind).toBe("unreachable");
    expect(r.kind === "unreachable" && r.error).toBe(exampleAddressReason("pg-a.example.net", 5432));
    expect(r.kind === "unreachable" && r.error).toMatch(/^demo endpoint — pg-a\.example\.net:5432 is an example address, not a real server/);
    expect(Date.now() - t0).toBeLessThan(50);
  });
});
