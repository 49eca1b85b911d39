"use client";

/**
 * The one stream reader of the UI: NDJSON bodies (deploy runs, promotion progress) and
 * server-sent events (replication status), read from a fetch Response, plus useEventStream, a
 * subscription that reconnects.
 *
 * Why fetch and not EventSource: the same reader serves a POST's NDJSON answer, and a fetch sees
 * the status code, so a stream refused with 401 sends the user to the login page instead of
 * reconnecting for ever. SSE framing is parsed by eventsource-parser.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { useEffect, useRef, useState } from "react";

/** Calls `onText` with each decoded chunk of the body until it ends (or the signal aborts the fetch). */
async function readText(res: Response, onText: (text: string) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (value) onText(dec.decode(value, { stream: true }));
    if (done) break;
  }
  onText(dec.decode());
}

/** The JSON lines of an NDJSON body, as they arrive. */
export async function* ndjsonEvents<T>(res: Response): AsyncGenerator<T> {
  const queue: T[] = [];
  let buf = "";
  let wake: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  const take = (text: string) => {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) queue.push(JSON.parse(line) as T);
    }
  };
  const reading = readText(res, (t) => {
    take(t);
    wake?.();
  }).then(
    () => {
      if (buf.trim()) queue.push(JSON.parse(buf) as T);
      finished = true;
      wake?.();
    },
    (err: unknown) => {
      failure = err;
      finished = true;
      wake?.();
    },
  );
  while (!finished || queue.length) {
    if (queue.length) {
      yield queue.shift() as T;
      continue;
    }
    await new Promise<void>((r) => (wake = r));
    wake = null;
  }
  await reading;
  if (failure) throw failure;
}

/** The events of a text/event-stream body; `onRetry` gets the server's reconnect delay. */
export async function readSse(res: Response, onEvent: (e: EventSourceMessage) => void, onRetry?: (ms: number) => void): Promise<void> {
  const parser = createParser({ onEvent, onRetry });
  await readText(res, (t) => parser.feed(t));
}

export type StreamState = "connecting" | "live" | "reconnecting";

export interface EventStreamOptions {
  /** Called with every event (its `event` name, `data` text and `id`). */
  onEvent: (e: EventSourceMessage) => void;
  enabled?: boolean;
  /** Longest wait between reconnects (default 30 s). */
  maxBackoffMs?: number;
}

/**
 * Subscribes to a server-sent-events URL while mounted: reconnects after a drop (the server's
 * `retry:` delay, doubled after each failed attempt up to maxBackoffMs), sends Last-Event-ID so a
 * reconnect is not sent what it already has, and goes to the login page on 401.
 */
export function useEventStream(url: string, o: EventStreamOptions): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  const handler = useRef(o.onEvent);
  handler.current = o.onEvent;
  const enabled = o.enabled ?? true;
  const maxBackoffMs = o.maxBackoffMs ?? 30_000;
  useEffect(() => {
    if (!enabled) return;
    const ctl = new AbortController();
    let lastId: string | undefined;
    let retryMs = 2000;
    let failures = 0;
    const sleep = (ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        ctl.signal.addEventListener("abort", () => {
          clearTimeout(t);
          r();
        }, { once: true });
      });
    void (async () => {
      while (!ctl.signal.aborted) {
        try {
          const res = await fetch(url, { credentials: "same-origin", signal: ctl.signal, headers: lastId ? { "last-event-id": lastId } : {}, cache: "no-store" });
          if (res.status === 401) {
            window.location.href = "/login";
            return;
          }
          if (res.ok) {
            await readSse(
              res,
              (e) => {
                failures = 0;
                if (e.id) lastId = e.id;
                setState("live");
                handler.current(e);
              },
              (ms) => (retryMs = ms),
            );
          } else failures++;
        } catch {
          if (ctl.signal.aborted) return;
          failures++;
        }
        if (ctl.signal.aborted) return;
        setState("reconnecting");
        await sleep(Math.min(maxBackoffMs, retryMs * 2 ** Math.min(failures, 10)));
      }
    })();
    return () => ctl.abort();
  }, [url, enabled, maxBackoffMs]);
  return state;
}
