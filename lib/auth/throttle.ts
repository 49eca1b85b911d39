/** Slows password guessing: after 5 failures for one login or address within 15 minutes, wait. */
const WINDOW_MS = 15 * 60_000;
const MAX_FAILURES = 5;
const failures = new Map<string, number[]>();

function recent(key: string, now: number): number[] {
  const list = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  failures.set(key, list);
  return list;
}

export function loginBlockedFor(keys: string[], now = Date.now()): number {
  let wait = 0;
  for (const key of keys) {
    const list = recent(key, now);
    if (list.length >= MAX_FAILURES) wait = Math.max(wait, WINDOW_MS - (now - list[0]));
  }
  return wait;
}

export function recordLoginFailure(keys: string[], now = Date.now()): void {
  for (const key of keys) recent(key, now).push(now);
}

export function clearLoginFailures(keys: string[]): void {
  for (const key of keys) failures.delete(key);
}
