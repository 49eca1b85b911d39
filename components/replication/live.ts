"use client";

/**
 * The replication status, pushed: each page loads the answer once (GET, through TanStack Query) and
 * then follows /api/replication/stream, which sends the poller's new publication after every poll.
 * The query cache is updated from the events, so nothing polls.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef } from "react";
import type { ReplicationSummary } from "@/lib/replication/published";
import type { ReplicationStatus } from "@/lib/replication/service";
import type { ClusterStatusView } from "@/lib/replication/view";
import { apiFetch } from "../api";
import { useEventStream, type StreamState } from "../stream";

export type ClusterAnswer = { cluster: ClusterStatusView; polling: ReplicationStatus["polling"] };

/** Every cluster, live. */
export function useLiveStatus() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["replication"], queryFn: () => apiFetch<ReplicationStatus>("/api/replication"), staleTime: Infinity });
  const live = useEventStream("/api/replication/stream", {
    onEvent: (e) => {
      if (e.event === "status") qc.setQueryData(["replication"], JSON.parse(e.data) as ReplicationStatus);
    },
  });
  return { ...q, live };
}

/**
 * One cluster, live. `onSample` runs after each new publication (the charts refetch their history
 * with it, at most every `historyEveryMs`).
 */
export function useLiveCluster(clusterId: number, o: { onSample?: () => void } = {}) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["replication", clusterId], queryFn: () => apiFetch<ClusterAnswer>(`/api/replication/${clusterId}`), staleTime: Infinity });
  const onSample = useRef(o.onSample);
  onSample.current = o.onSample;
  const live = useEventStream(`/api/replication/stream?cluster=${clusterId}`, {
    onEvent: (e) => {
      if (e.event !== "cluster") return;
      qc.setQueryData(["replication", clusterId], JSON.parse(e.data) as ClusterAnswer);
      onSample.current?.();
    },
  });
  return { ...q, live };
}

/**
 * Runs `onChange` after each poll (the `summary` events: a few bytes per cluster), at most every
 * `minGapMs`: pages whose own answer moves with the replication state (the topology map's links, the
 * failover page) refetch then instead of on a timer.
 */
export function useReplicationTicks(onChange: (s: ReplicationSummary) => void, o: { minGapMs?: number; enabled?: boolean } = {}): StreamState {
  const last = useRef(0);
  const cb = useRef(onChange);
  cb.current = onChange;
  const gap = o.minGapMs ?? 0;
  const onEvent = useCallback(
    (e: { event?: string; data: string }) => {
      if (e.event !== "summary") return;
      const now = Date.now();
      if (now - last.current < gap) return;
      last.current = now;
      cb.current(JSON.parse(e.data) as ReplicationSummary);
    },
    [gap],
  );
  return useEventStream("/api/replication/stream?view=summary", { onEvent, enabled: o.enabled });
}

/** "live" / "reconnecting…" for the polling note. */
export function liveLabel(s: StreamState): string {
  return s === "live" ? "live" : s === "connecting" ? "connecting…" : "reconnecting…";
}
