/**
 * The replication answers, built once per change (after every poll cycle) instead of per request:
 * the serialised bytes (plain and gzip), the ETag, and the server-sent-events frames the stream
 * pushes to every subscriber. A GET or an event then costs a session check and a write of bytes that
 * already exist, whatever the number of clusters and of readers.
 *
 * Events (text/event-stream, one JSON object per `data:` line):
 *   event: status   the whole list (GET /api/replication's body)
 *   event: cluster  one cluster ({cluster, polling}, GET /api/replication/{id}'s body)
 *   event: summary  what the topology map, the failover page and the home page need to know that
 *                   something changed: seq, the cycle's time, each cluster's health and headline
 * `id:` is the publication's sequence number (a reconnecting client sends it back as Last-Event-ID
 * and is not sent the same publication twice).
 */
import { gzipSync } from "node:zlib";
import type { ClusterStatusView } from "./view";

export interface PollingInfo {
  enabled: boolean;
  intervalMs: number | null;
  lastCycleAt: string | null;
  lastCycleMs: number | null;
  probeTimeoutMs: number | null;
  samplesStored: number;
  lastError: string | null;
  /** With several instances on one database: the instance that polled (lib/cluster/instance.ts). */
  leader?: string | null;
}

export interface StatusLike {
  polling: PollingInfo;
  clusters: ClusterStatusView[];
}

export interface ReplicationSummary {
  seq: number;
  lastCycleAt: string | null;
  clusters: Array<{ id: number; name: string; health: ClusterStatusView["health"]; headline: string; polledAt: string | null }>;
}

export interface PublishedBody {
  /** UTF-8 JSON. */
  json: Buffer;
  /** The same, gzip-compressed (for clients that accept it). */
  gzip: Buffer;
  /** Weak ETag: equal bytes, equal tag (per publication). */
  etag: string;
}

export interface Published<S extends StatusLike = StatusLike> {
  seq: number;
  status: S;
  list: PublishedBody;
  /** Bodies of GET /api/replication/{id}, built on first use (then kept for the publication). */
  cluster(id: number): PublishedBody | undefined;
  /** SSE frames of this publication. */
  frames: {
    status: Buffer;
    summary: Buffer;
    cluster(id: number): Buffer | undefined;
  };
}

export const SSE_RETRY_MS = 2000;

/** One SSE frame: `id`, `event`, one `data:` line (JSON never holds a raw newline). */
export function sseFrame(event: string, id: number, json: string): Buffer {
  return Buffer.from(`id: ${id}\nevent: ${event}\ndata: ${json}\n\n`, "utf8");
}

/** The first bytes of every stream: how long a client waits before reconnecting. */
export const SSE_PREAMBLE = Buffer.from(`retry: ${SSE_RETRY_MS}\n\n`, "utf8");
/** A comment line every so often keeps proxies and idle timers from closing the stream. */
export const SSE_HEARTBEAT = Buffer.from(": keep-alive\n\n", "utf8");

function body(json: string, etag: string): PublishedBody {
  const buf = Buffer.from(json, "utf8");
  return { json: buf, gzip: gzipSync(buf, { level: 6 }), etag };
}

export function summaryOf(status: StatusLike, seq: number): ReplicationSummary {
  return {
    seq,
    lastCycleAt: status.polling.lastCycleAt,
    clusters: status.clusters.map((c) => ({ id: c.id, name: c.name, health: c.health, headline: c.headline, polledAt: c.polledAt })),
  };
}

/** Builds one publication. `tag` tells this server process apart (an ETag from before a restart never matches). */
export function publish<S extends StatusLike>(status: S, seq: number, tag: string): Published<S> {
  const listJson = JSON.stringify(status);
  const byId = new Map(status.clusters.map((c) => [c.id, c]));
  const clusterJson = new Map<number, string>();
  const jsonOf = (id: number): string | undefined => {
    let j = clusterJson.get(id);
    if (j === undefined) {
      const c = byId.get(id);
      if (!c) return undefined;
      j = JSON.stringify({ cluster: c, polling: status.polling });
      clusterJson.set(id, j);
    }
    return j;
  };
  const clusterBodies = new Map<number, PublishedBody>();
  const clusterFrames = new Map<number, Buffer>();
  return {
    seq,
    status,
    list: body(listJson, `W/"${tag}-${seq}"`),
    cluster(id) {
      let b = clusterBodies.get(id);
      if (!b) {
        const j = jsonOf(id);
        if (j === undefined) return undefined;
        b = body(j, `W/"${tag}-${seq}-c${id}"`);
        clusterBodies.set(id, b);
      }
      return b;
    },
    frames: {
      status: sseFrame("status", seq, listJson),
      summary: sseFrame("summary", seq, JSON.stringify(summaryOf(status, seq))),
      cluster(id) {
        let f = clusterFrames.get(id);
        if (!f) {
          const j = jsonOf(id);
          if (j === undefined) return undefined;
          f = sseFrame("cluster", seq, j);
          clusterFrames.set(id, f);
        }
        return f;
      },
    },
  };
}

/** Whether an If-None-Match header names this ETag (a list, `*`, weak or strong spelling). */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  const want = bare(etag);
  return ifNoneMatch.split(",").some((t) => t.trim() === "*" || bare(t) === want);
}

/** Whether an Accept-Encoding header accepts gzip (q=0 refuses it). */
export function acceptsGzip(acceptEncoding: string | null | undefined): boolean {
  if (!acceptEncoding) return false;
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (name !== "gzip" && name !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q && Number(q.slice(2)) === 0) continue;
    return true;
  }
  return false;
}

export interface CachedAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  body: Buffer | null;
}

/**
 * The answer to a GET of a published body: 304 when If-None-Match names its ETag, else the bytes,
 * gzip-compressed when `gzipOk` and the client accepts it. The same headers on every path that
 * serves these routes (the Next route handlers and the server's fast path).
 */
export function cachedAnswer(b: PublishedBody, req: { ifNoneMatch?: string | null; acceptEncoding?: string | null }, gzipOk: boolean): CachedAnswer {
  const headers: Record<string, string> = { "content-type": "application/json", "cache-control": "private, no-cache", etag: b.etag, vary: "accept-encoding, cookie" };
  if (etagMatches(req.ifNoneMatch, b.etag)) return { status: 304, headers, body: null };
  if (gzipOk && acceptsGzip(req.acceptEncoding)) {
    return { status: 200, headers: { ...headers, "content-encoding": "gzip", "content-length": String(b.gzip.length) }, body: b.gzip };
  }
  return { status: 200, headers: { ...headers, "content-length": String(b.json.length) }, body: b.json };
}
