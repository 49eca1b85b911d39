/** The event stream's bookkeeping without a server: frames per view, Last-Event-ID, heartbeats, the session re-check. */
import { describe, expect, it } from "vitest";
import { acceptsGzip, etagMatches, publish, type Published } from "./published";
import { followPublications, lastEventIdOf, streamQuerySchema } from "./stream";
import type { ClusterStatusView } from "./view";

const cluster = (id: number): ClusterStatusView => ({
  id,
  name: `c${id}`,
  health: "ok",
  headline: "all well",
  polledAt: null,
  pollMs: null,
  primaryMemberId: null,
  thresholds: { maxLagBytes: 1, maxLagSeconds: 1 },
  reasons: [],
  members: [],
});
const status = { polling: { enabled: true, intervalMs: 1000, lastCycleAt: null, lastCycleMs: null, probeTimeoutMs: 1, samplesStored: 0, lastError: null }, clusters: [cluster(1), cluster(2)] };

function source() {
  let current: Published = publish(status, 1, "t");
  const listeners = new Set<(p: Published) => void>();
  return {
    published: () => current,
    subscribe: (l: (p: Published) => void) => (listeners.add(l), () => listeners.delete(l)),
    next() {
      current = publish(status, current.seq + 1, "t");
      for (const l of listeners) l(current);
    },
    listeners,
  };
}
const text = (chunks: Uint8Array[]) => chunks.map((c) => Buffer.from(c).toString("utf8")).join("");

describe("followPublications", () => {
  it("sends the current frame, then one per publication, of the view asked for", () => {
    const src = source();
    const chunks: Uint8Array[] = [];
    const stop = followPublications(src, { query: streamQuerySchema.parse({ cluster: "2" }), stillAllowed: async () => true, sink: { write: (c) => chunks.push(c), end: () => undefined } });
    src.next();
    stop();
    src.next();
    const t = text(chunks);
    expect(t.startsWith("retry: 2000\n\n")).toBe(true);
    expect(t.match(/^event: cluster$/gm)).toHaveLength(2);
    expect([...t.matchAll(/^id: (\d+)$/gm)].map((m) => m[1])).toEqual(["1", "2"]);
    expect(t).toContain('"name":"c2"');
    expect(src.listeners.size).toBe(0);
  });

  it("skips what Last-Event-ID says the client has; ends the stream when the session is gone", async () => {
    const src = source();
    const chunks: Uint8Array[] = [];
    let allowed = true;
    let ended = false;
    followPublications(src, { query: streamQuerySchema.parse({ view: "summary" }), lastEventId: lastEventIdOf("1"), heartbeatMs: 20, stillAllowed: async () => allowed, sink: { write: (c) => chunks.push(c), end: () => (ended = true) } });
    expect(text(chunks)).not.toContain("event:");
    await new Promise((r) => setTimeout(r, 50));
    expect(text(chunks)).toContain(": keep-alive");
    allowed = false;
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(true);
    expect(src.listeners.size).toBe(0);
    src.next();
    expect(text(chunks)).not.toContain("event:");
  });

  it("reads conditional and encoding headers as HTTP means them", () => {
    expect(etagMatches('"a", W/"t-1"', 'W/"t-1"')).toBe(true);
    expect(etagMatches('"t-1"', 'W/"t-1"')).toBe(true);
    expect(etagMatches('W/"t-2"', 'W/"t-1"')).toBe(false);
    expect(etagMatches(null, 'W/"t-1"')).toBe(false);
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("br;q=1, gzip;q=0")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(lastEventIdOf("12x")).toBeNull();
  });
});
