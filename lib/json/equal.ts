/**
 * Whether two values would write the same JSON once object keys are sorted: what comparing their
 * key-sorted JSON.stringify texts says (the importer's canon()), without writing either text. A
 * re-import compares every stored row with its file (1,550 rows of the bench config, most of them
 * with a list of directives), and building both texts was most of that comparison's time.
 *
 * JSON's rules are kept: a value with toJSON (a Date) is compared by what toJSON gives; undefined,
 * functions and symbols are left out of objects and are null in arrays; a number that is not finite
 * is null; a bigint cannot be written (JSON.stringify throws, and so does this).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return same(a, b, false);
}

/** What JSON.stringify writes for a value it meets (toJSON applied); `inArray`: where undefined is written as null. */
function jsonOf(v: unknown, inArray: boolean): unknown {
  if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") v = (v as { toJSON(): unknown }).toJSON();
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? v : null;
    case "undefined":
    case "function":
    case "symbol":
      return inArray ? null : undefined;
    case "bigint":
      throw new TypeError("Do not know how to serialize a BigInt");
    default:
      return v;
  }
}

function same(x: unknown, y: unknown, inArray: boolean): boolean {
  const a = jsonOf(x, inArray);
  const b = jsonOf(y, inArray);
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return false;
  if (arrayA) {
    const la = a as unknown[];
    const lb = b as unknown[];
    if (la.length !== lb.length) return false;
    for (let i = 0; i < la.length; i++) if (!same(la[i], lb[i], true)) return false;
    return true;
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  // Every written key of one is a written key of the other, with the same value.
  let written = 0;
  for (const k of Object.keys(oa)) {
    const va = jsonOf(oa[k], false);
    if (va === undefined) continue;
    written++;
    if (!Object.prototype.hasOwnProperty.call(ob, k) || !same(oa[k], ob[k], false)) return false;
  }
  for (const k of Object.keys(ob)) if (jsonOf(ob[k], false) !== undefined) written--;
  return written === 0;
}
