/**
 * The audit's JSON text of a value (jsonText, what auditMany stores) is that of redact(value),
 * whether or not the value holds anything redact() changes (it skips the copy when nothing would).
 */
import { describe, expect, it } from "vitest";
import { jsonText, redact } from "./index";

class WithToJson {
  constructor(readonly a: number) {}
  toJSON() {
    return { other: this.a };
  }
}

describe("jsonText", () => {
  const values: unknown[] = [
    { name: "pool", port: 9101, nested: { list: [1, "two", null, { deep: true }] } },
    { password: "pw", name: "x" },
    { password: "", token: null, secret: undefined, name: "kept" },
    { list: [{ dbPassword: "s" }, { ok: 1 }] },
    { at: new Date("2026-11-30T12:00:00.000Z"), passwordSet: true },
    { passwordEnc: new Date(0) },
    { buf: Buffer.from("ab") },
    { custom: new WithToJson(3) },
    { boxed: new String("ab"), n: new Number(4) },
    [1, , 3],
    { map: new Map([["a", 1]]) },
    { changed: ["passwordEnc", "address"] },
  ];
  it("is JSON.stringify(redact(value)) for every kind of value", () => {
    for (const v of values) expect(jsonText(v)).toBe(JSON.stringify(redact(v)));
  });
});
