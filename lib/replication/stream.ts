/**
 * GET /api/replication/stream: the replication status pushed as server-sent events, from the
 * poller's publications (published.ts) — every subscriber is written the same prebuilt frame, so
 * 100 open pages cost 100 socket writes per cycle, no serialisation.
 *
 *   ?cluster=ID      `cluster` events: one cluster ({cluster, polling})
 *   ?view=summary    `summary` events: each cluster's health and headline (the map, the failover page)
 *   (default)        `status` events: every cluster
 *
 * The current publication is sent at once (unless Last-Event-ID says the client has it), then one
 * frame per poll. A comment every `heartbeatMs` keeps the connection open through proxies; the
 * session is checked again as often (`stillAllowed`), and the stream ends when it is gone (logout,
 * user disabled): the client's reconnect then meets the 401.
 */
import { z } from "zod";
import { strictId } from "@/lib/http/numbers";
import { SSE_HEARTBEAT, SSE_PREAMBLE, type Published } from "./published";

export const streamQuerySchema = z
  .object({
    view: z.enum(["status", "summary", "cluster"]).optional(),
    cluster: strictId().optional(),
  })
  .transform((q, ctx) => {
    const view = q.view ?? (q.cluster !== undefined ? "cluster" : "status");
    if (view === "cluster" && q.cluster === undefined) {
      ctx.addIssue({ code: "custom", path: ["cluster"], message: "is required with view=cluster", params: { rule: "required" } });
      return z.NEVER;
    }
    return { view, cluster: q.cluster };
  });
export type StreamQuery = z.output<typeof streamQuerySchema>;

/** Where the frames come from: the running service, or one fixed publication (polling off). */
export interface PublicationSource {
  published(): Published;
  subscribe(listener: (p: Published) => void): () => void;
}

export interface StreamSink {
  write(chunk: Uint8Array): void;
  end(): void;
}

export interface FollowOptions {
  query: StreamQuery;
  /** The `id` of the last event the client saw (the Last-Event-ID header). */
  lastEventId?: number | null;
  /** Is the session still valid? Checked every heartbeat. */
  stillAllowed: () => Promise<boolean>;
  sink: StreamSink;
  heartbeatMs?: number;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Parses Last-Event-ID (a publication number), null when absent or not one. */
export function lastEventIdOf(header: string | null | undefined): number | null {
  if (!header || !/^\d{1,15}$/.test(header.trim())) return null;
  return Number(header.trim());
}

function frameOf(p: Published, q: StreamQuery): Uint8Array | undefined {
  if (q.view === "summary") return p.frames.summary;
  if (q.view === "cluster") return q.cluster === undefined ? undefined : p.frames.cluster(q.cluster);
  return p.frames.status;
}

/** Follows the publications into `sink` until the returned stop() (the client went away) or the session ends. */
export function followPublications(source: PublicationSource, o: FollowOptions): () => void {
  let stopped = false;
  let lastSeq = o.lastEventId ?? -1;
  const send = (p: Published) => {
    if (stopped || p.seq === lastSeq) return;
    const f = frameOf(p, o.query);
    if (!f) return;
    lastSeq = p.seq;
    try {
      o.sink.write(f);
    } catch {
      stop(false); // the client is gone
    }
  };
  o.sink.write(SSE_PREAMBLE);
  send(source.published());
  const unsubscribe = source.subscribe(send);
  const heartbeat = setInterval(() => {
    if (stopped) return;
    void o.stillAllowed().then(
      (ok) => {
        if (stopped) return;
        if (!ok) return stop(true);
        try {
          o.sink.write(SSE_HEARTBEAT);
        } catch {
          stop(false);
        }
      },
      () => stop(true),
    );
  }, o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  heartbeat.unref?.();
  const stop = (end: boolean) => {
    if (stopped) return;
    stopped = true;
    clearInterval(heartbeat);
    unsubscribe();
    if (end) {
      try {
        o.sink.end();
      } catch {
        /* already closed */
      }
    }
  };
  return () => stop(false);
}
