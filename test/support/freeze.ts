/**
 * Freezes a value and everything it reaches (objects, arrays, the members of Maps and Sets), so
 * that code given it throws on any change (ES modules run in strict mode). For tests that check a
 * function leaves its input as it was: the import reuses a dry run's parse (lib/config/upload-reads.ts).
 */
export function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || typeof value !== "object" || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen);
      deepFreeze(v, seen);
    }
  } else if (value instanceof Set) {
    for (const v of value) deepFreeze(v, seen);
  }
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
  return Object.freeze(value);
}
