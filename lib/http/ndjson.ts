/**
 * NDJSON answers (application/x-ndjson, one JSON object per line): the deploy's live progress and
 * the progress streams read from the database (a deploy run, a promotion), which every instance
 * can serve since the database is the source of truth.
 */

export const NDJSON_HEADERS = { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } as const;

export type Send = (o: unknown) => void;

/**
 * A streamed answer: `body` writes lines with `send` (each passed through `map` first, e.g. to mask
 * secrets) until it returns; a failure becomes a last {"type":"error"} line. Lines sent after the
 * client went away are dropped.
 */
export function ndjsonResponse(body: (send: Send) => Promise<void>, o: { map?: (x: unknown) => unknown } = {}): Response {
  const enc = new TextEncoder();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send: Send = (x) => {
        if (closed) return;
        try {
          controller.enqueue(enc.encode(`${JSON.stringify(o.map ? o.map(x) : x)}\n`));
        } catch {
          closed = true;
        }
      };
      body(send)
        .catch((err: unknown) => send({ type: "error", error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        });
    },
    cancel() {
      closed = true;
    },
  });
  return new Response(stream, { status: 200, headers: NDJSON_HEADERS });
}

/**
 * Follows a record in the database: reads it again every `everyMs` (150 ms) while `running` says so
 * and the client is there, hands each reading to `onEach`, and sends a {"type":"ping"} every 10 s
 * to keep proxies open. Returns the last reading (null: the record is gone).
 */
export async function followInDatabase<T>(o: {
  first: T;
  read: () => Promise<T | null>;
  running: (t: T) => boolean;
  onEach: (t: T) => void;
  send: Send;
  signal: AbortSignal;
  everyMs?: number;
}): Promise<T> {
  let current = o.first;
  let lastPing = Date.now();
  while (o.running(current) && !o.signal.aborted) {
    await new Promise((r) => setTimeout(r, o.everyMs ?? 150));
    const next = await o.read();
    if (next === null) break;
    current = next;
    o.onEach(current);
    if (Date.now() - lastPing > 10_000) {
      lastPing = Date.now();
      o.send({ type: "ping" });
    }
  }
  return current;
}
