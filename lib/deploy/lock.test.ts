import { describe, expect, it } from "vitest";
import { hostLockKey, isHostLocked, withHostLock } from "./lock";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Span {
  name: string;
  start: number;
  end: number;
}

async function timed(name: string, spans: Span[], ms: number) {
  const start = performance.now();
  await sleep(ms);
  spans.push({ name, start, end: performance.now() });
  return name;
}

const overlap = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

describe("withHostLock", () => {
  it("serialises two holders of one host, in arrival order", async () => {
    const spans: Span[] = [];
    const [a, b] = await Promise.all([
      withHostLock("h1:22", () => timed("a", spans, 80)),
      withHostLock("h1:22", () => timed("b", spans, 80)),
    ]);
    expect([a, b]).toEqual(["a", "b"]);
    const sa = spans.find((s) => s.name === "a")!;
    const sb = spans.find((s) => s.name === "b")!;
    expect(overlap(sa, sb)).toBe(false);
    expect(sb.start).toBeGreaterThanOrEqual(sa.end - 1);
  });

  it("runs holders of different hosts in parallel", async () => {
    const spans: Span[] = [];
    const t0 = performance.now();
    await Promise.all([
      withHostLock("h1:22", () => timed("h1", spans, 150)),
      withHostLock("h2:22", () => timed("h2", spans, 150)),
    ]);
    expect(overlap(spans[0], spans[1])).toBe(true);
    expect(performance.now() - t0).toBeLessThan(280);
  });

  it("releases the lock when the holder throws, and propagates the error", async () => {
    const order: string[] = [];
    const p1 = withHostLock("h3:22", async () => {
      await sleep(20);
      order.push("first");
      throw new Error("boom");
    });
    const p2 = withHostLock("h3:22", async () => {
      order.push("second");
      return 42;
    });
    await expect(p1).rejects.toThrow("boom");
    await expect(p2).resolves.toBe(42);
    expect(order).toEqual(["first", "second"]);
    expect(isHostLocked("h3:22")).toBe(false);
  });

  it("keeps FIFO order for many waiters and never runs two at once", async () => {
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withHostLock("h4:22", async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(Math.random() * 5);
          order.push(i);
          active--;
        }),
      ),
    );
    expect(maxActive).toBe(1);
    expect(order).toEqual([...Array(10).keys()]);
  });

  it("reports whether a host is locked", async () => {
    let release!: () => void;
    const held = withHostLock("h5:22", () => new Promise<void>((r) => (release = r)));
    await sleep(0);
    expect(isHostLocked("h5:22")).toBe(true);
    expect(isHostLocked("h6:22")).toBe(false);
    release();
    await held;
    expect(isHostLocked("h5:22")).toBe(false);
  });

  it("hostLockKey normalises the host", () => {
    expect(hostLockKey(" Backup1.Example.ORG ", 22)).toBe("backup1.example.org:22");
    expect(hostLockKey("10.0.0.1")).toBe("10.0.0.1:22");
  });
});
