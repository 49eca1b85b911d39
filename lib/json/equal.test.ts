import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonEqual } from "./equal";

/** The oracle: the texts the importer compared before (JSON.stringify with every object's keys sorted). */
function sortedJson(v: unknown): string | undefined {
  return JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** A copy with every object's keys in reverse order (the same JSON once sorted). */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v && typeof v === "object" && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)]));
  return v;
}

const leaf = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -0, 1, NaN, Infinity, "", "a", "1"),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.date({ noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 4 }), fc.dictionary(fc.constantFrom("a", "b", "kind", "name", "value"), tie("v"), { maxKeys: 4 })),
})).v;

describe("jsonEqual", () => {
  it("says what comparing the key-sorted JSON texts says, for any two values", () => {
    fc.assert(fc.property(value, value, (a, b) => jsonEqual(a, b) === (sortedJson(a) === sortedJson(b))), { numRuns: 3000 });
  });

  it("finds a value equal to its copy with other key orders, and unequal to it once one leaf changes", () => {
    fc.assert(
      fc.property(value, (a) => {
        expect(jsonEqual(a, reordered(a))).toBe(true);
        expect(jsonEqual(a, [a])).toBe(sortedJson(a) === sortedJson([a]));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps JSON's rules for what is not written", () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, f: () => 1 }, { a: 1 })).toBe(true);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual([NaN, Infinity], [null, null])).toBe(true);
    expect(jsonEqual(new Date("2026-01-02T03:04:05.000Z"), "2026-01-02T03:04:05.000Z")).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: "1" })).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(() => jsonEqual({ a: 1n }, { a: 1n })).toThrow(TypeError);
  });
});
