/**
 * Pure health assessment of one replication cluster from a set of member probes.
 *
 * assessCluster(members, thresholds, previous?) → ClusterHealth: per-member status and reasons,
 * plus cluster-level reasons (split brain, no primary). No I/O, no clock: `assessedAt` is the
 * latest probedAt; `previous` (the last ClusterHealth of the same cluster) only feeds trends
 * (byte lag growth, frozen replay_lag) and remembers how an unreachable standby was identified.
 *
 * Reference primary: the member out of recovery; with several (split brain) the one on the
 * highest timeline, then the one configured as primary, then the one with most standby rows.
 *
 * Matching a standby to its pg_stat_replication row on the reference primary, in this order
 * (each row is claimed at most once; reachable standbys are matched before unreachable ones):
 *   1. slot: the standby's slot (its wal receiver's slot_name, else the configured slotName, else
 *      the one remembered in `previous`) is active on the primary and its active_pid is a row's pid.
 *   2. application_name: the standby's application name (configured applicationName, else parsed
 *      from its wal receiver conninfo: application_name, else fallback_application_name, which is
 *      cluster_name or 'walreceiver'; else remembered) equals exactly one unclaimed row's
 *      application_name; with several such rows (all 'walreceiver' after `pg_basebackup -R`), the
 *      one whose client_addr equals the standby's host when that host is an IP address.
 *   3. sole_row: when exactly one row is unclaimed and exactly one standby is unmatched among
 *      those whose wal receiver streams or that cannot be probed (unreachable, auth failed).
 *
 * NULL write/flush/replay_lag with zero byte lag means the primary is idle (ok), not unknown.
 */
import { lsnDiff } from "./lsn";
import type {
  ClusterHealth,
  HealthReason,
  HealthStatus,
  MemberHealth,
  MemberProbe,
  MemberRole,
  PrimaryProbe,
  ReplicationRow,
  SlotRow,
  StandbyProbe,
  StandbyReplicationView,
  Thresholds,
} from "./types";

const RANK: Record<HealthReason["severity"], number> = { info: 0, ok: 0, warn: 1, critical: 2 };

export function worstStatus(levels: Array<HealthReason["severity"] | HealthStatus>): HealthStatus {
  let r = 0;
  for (const l of levels) r = Math.max(r, RANK[l]);
  return r === 2 ? "critical" : r === 1 ? "warn" : "ok";
}

export function formatBytes(n: number | null): string {
  if (n === null) return "unknown";
  const a = Math.abs(n);
  if (a < 1024) return `${n} B`;
  if (a < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (a < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function fmtSeconds(s: number | null): string {
  return s === null ? "NULL" : `${s.toFixed(s < 10 ? 2 : 0)} s`;
}

const isIp = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(":");

function label(m: MemberProbe): string {
  return m.name ? `${m.name} (${m.memberId})` : m.memberId;
}

/** The primary used as reference among members out of recovery (see module comment). */
export function chooseReferencePrimary(members: MemberProbe[]): MemberProbe | null {
  const primaries = members.filter((m) => m.result.kind === "primary");
  if (primaries.length === 0) return null;
  return [...primaries].sort((a, b) => {
    const pa = a.result as PrimaryProbe;
    const pb = b.result as PrimaryProbe;
    if (pb.timeline !== pa.timeline) return pb.timeline - pa.timeline;
    const ea = a.expectedRole === "primary" ? 1 : 0;
    const eb = b.expectedRole === "primary" ? 1 : 0;
    if (eb !== ea) return eb - ea;
    return pb.replication.length - pa.replication.length;
  })[0];
}

interface StandbyCandidate {
  m: MemberProbe;
  probe: StandbyProbe | null;
  host: string;
  slotName: string | null;
  applicationName: string | null;
}

export interface StandbyMatch {
  row: ReplicationRow;
  matchedBy: NonNullable<StandbyReplicationView["matchedBy"]>;
}

/** Matches standbys to pg_stat_replication rows (see module comment). Returns memberId → match. */
export function matchStandbys(primary: PrimaryProbe, candidates: StandbyCandidate[]): Map<string, StandbyMatch> {
  const out = new Map<string, StandbyMatch>();
  const claimed = new Set<number>();
  const ordered = [...candidates].sort((a, b) => (a.probe ? 0 : 1) - (b.probe ? 0 : 1));
  const claim = (c: StandbyCandidate, row: ReplicationRow, matchedBy: StandbyMatch["matchedBy"]) => {
    claimed.add(row.pid);
    out.set(c.m.memberId, { row, matchedBy });
  };
  // 1. slot
  for (const c of ordered) {
    if (!c.slotName) continue;
    const slot = primary.slots.find((s) => s.slotName === c.slotName);
    if (!slot?.active || slot.activePid === null) continue;
    const row = primary.replication.find((r) => r.pid === slot.activePid && !claimed.has(r.pid));
    if (row) claim(c, row, "slot");
  }
  // 2. application_name
  for (const c of ordered) {
    if (out.has(c.m.memberId) || !c.applicationName) continue;
    const rows = primary.replication.filter((r) => !claimed.has(r.pid) && r.applicationName === c.applicationName);
    if (rows.length === 1) {
      claim(c, rows[0], "application_name");
    } else if (rows.length > 1 && isIp(c.host)) {
      const byAddr = rows.filter((r) => r.clientAddr === c.host);
      if (byAddr.length === 1) claim(c, byAddr[0], "application_name+client_addr");
    }
  }
  // 3. sole row
  const open = ordered.filter(
    (c) => !out.has(c.m.memberId) && (c.probe === null || c.probe.walReceiver?.status === "streaming"),
  );
  const free = primary.replication.filter((r) => !claimed.has(r.pid));
  if (open.length === 1 && free.length === 1) claim(open[0], free[0], "sole_row");
  return out;
}

function emptyView(): StandbyReplicationView {
  return {
    matchedBy: null,
    row: null,
    slotName: null,
    slotActive: null,
    applicationName: null,
    state: null,
    syncState: null,
    sentBytes: null,
    writeBytes: null,
    flushBytes: null,
    replayBytes: null,
    writeLagSeconds: null,
    flushLagSeconds: null,
    replayLagSeconds: null,
    receiveReplayGapBytes: null,
    replayPaused: null,
    replayLagFrozen: null,
    replayBytesDelta: null,
    upstream: null,
    lastMsgReceiptTime: null,
  };
}

/**
 * Assess one cluster. `thresholds`: lag limits; `previous`: the last result for the same cluster.
 */
export function assessCluster(
  members: MemberProbe[],
  thresholds: Thresholds,
  previous?: ClusterHealth | null,
): ClusterHealth {
  const prevById = new Map((previous?.members ?? []).map((m) => [m.memberId, m]));
  const clusterReasons: HealthReason[] = [];
  const ref = chooseReferencePrimary(members);
  const refProbe = ref ? (ref.result as PrimaryProbe) : null;
  const primaries = members.filter((m) => m.result.kind === "primary");

  const modelPrimaryUp = primaries.find((p) => p.expectedRole === "primary" && !p.fenced) ?? null;

  // ---- cluster-level ------------------------------------------------------------------------
  if (primaries.length >= 2) {
    clusterReasons.push({
      code: "split_brain",
      severity: "critical",
      message:
        `split brain: ${primaries.length} members are out of recovery and writable: ` +
        primaries.map((p) => `${label(p)} on timeline ${(p.result as PrimaryProbe).timeline}`).join(", ") +
        (modelPrimaryUp
          ? `. ${label(modelPrimaryUp)} is the primary in the model: the other${primaries.length > 2 ? "s are" : " is"} stale (fence ${primaries.length > 2 ? "them" : "it"}).`
          : `. Stop (fence) the stale primary; ${ref ? label(ref) : "?"} is on the highest timeline.`),
    });
  }
  const stale = primaries.filter((p) => p.fenced || p.expectedRole === "standby");
  if (stale.length > 0) {
    clusterReasons.push({
      code: "stale_primary",
      severity: "critical",
      memberId: stale[0].memberId,
      message: stale.map((p) => `${label(p)}: ${staleMessage(p, members)}`).join("; "),
    });
  }
  if (!ref) {
    const expectedPrimary =
      members.find((m) => m.expectedRole === "primary") ??
      members.find((m) => m.memberId === previous?.primaryId);
    const down = members.filter((m) => m.result.kind !== "standby");
    if (expectedPrimary && expectedPrimary.result.kind !== "standby") {
      clusterReasons.push({
        code: "primary_unreachable",
        severity: "critical",
        memberId: expectedPrimary.memberId,
        message: `primary ${label(expectedPrimary)} cannot be probed (${expectedPrimary.result.kind}): ${"error" in expectedPrimary.result ? expectedPrimary.result.error : ""}`.trim(),
      });
    } else {
      clusterReasons.push({
        code: "no_primary",
        severity: "critical",
        message:
          down.length > 0
            ? `no reachable member is out of recovery; ${down.map(label).join(", ")} could not be probed`
            : "no member is out of recovery: every member is a standby",
      });
    }
  }

  // ---- standby identification & matching ------------------------------------------------------
  const standbyLike = members.filter((m) => {
    if (m.result.kind === "standby") return true;
    if (m.result.kind === "primary") return false;
    const prevRole = prevById.get(m.memberId)?.role;
    return m.expectedRole === "standby" || prevRole === "standby" || (m.expectedRole === undefined && prevRole !== "primary");
  });
  const candidates: StandbyCandidate[] = standbyLike.map((m) => {
    const probe = m.result.kind === "standby" ? m.result : null;
    const prev = prevById.get(m.memberId)?.replication ?? null;
    return {
      m,
      probe,
      host: m.result.host,
      slotName: probe?.walReceiver?.slotName ?? m.slotName ?? prev?.slotName ?? null,
      applicationName: m.applicationName ?? probe?.walReceiver?.applicationName ?? prev?.applicationName ?? null,
    };
  });
  const matches = refProbe ? matchStandbys(refProbe, candidates) : new Map<string, StandbyMatch>();
  const claimedPids = new Set([...matches.values()].map((x) => x.row.pid));
  const standbySlotNames = new Set(candidates.map((c) => c.slotName).filter((s): s is string => !!s));

  // ---- per member -----------------------------------------------------------------------------
  const out: MemberHealth[] = members.map((m) => {
    const reasons: HealthReason[] = [];
    const add = (code: HealthReason["code"], severity: HealthReason["severity"], message: string) =>
      reasons.push({ code, severity, message, memberId: m.memberId });
    const r = m.result;
    const prev = prevById.get(m.memberId);
    const cand = candidates.find((c) => c.m.memberId === m.memberId);
    let role: MemberRole | "unknown" =
      r.kind === "primary" || r.kind === "standby" ? r.kind : (m.expectedRole ?? prev?.role ?? "unknown");
    if (role === "unknown" && cand) role = "standby";
    let timeline: number | null = null;
    let view: StandbyReplicationView | null = null;

    if (r.kind === "unreachable") add("unreachable", "critical", `unreachable: ${r.error}`);
    if (r.kind === "auth_failed") add("auth_failed", "critical", `monitoring login failed: ${r.error}`);
    if (r.kind === "error") add("probe_error", "critical", r.error);

    if (r.kind === "primary" || r.kind === "standby") {
      for (const w of r.warnings) add("insufficient_privilege", "warn", w);
      if (r.kind === "primary" && (m.fenced || m.expectedRole === "standby")) {
        add("stale_primary", "critical", staleMessage(m, members));
      } else if (m.expectedRole && m.expectedRole !== r.kind) {
        add("role_changed", "warn", `configured as ${m.expectedRole} but is now a ${r.kind}`);
      }
      if (refProbe && ref && ref.memberId !== m.memberId && r.systemIdentifier && refProbe.systemIdentifier && r.systemIdentifier !== refProbe.systemIdentifier) {
        add(
          "system_id_mismatch",
          "critical",
          `database system identifier ${r.systemIdentifier} differs from primary ${label(ref)} (${refProbe.systemIdentifier}): not a copy of this primary`,
        );
      }
    }

    if (r.kind === "primary") {
      timeline = r.timeline;
      if (primaries.length >= 2) {
        add(
          "split_brain",
          "critical",
          ref?.memberId === m.memberId
            ? `writable together with ${primaries.length - 1} other member(s) (split brain); this one is on the highest timeline ${r.timeline}`
            : `stale writable primary on timeline ${r.timeline} (split brain): fence it`,
        );
      }
      if (ref?.memberId === m.memberId) {
        for (const s of r.slots) slotReasons(s, add, standbySlotNames);
        const streaming = r.replication.filter((x) => x.state === "streaming").length;
        const unknownRows = r.replication.filter((x) => !claimedPids.has(x.pid)).length;
        add(
          "streaming",
          "info",
          `primary on timeline ${r.timeline} at ${r.currentLsn}; ${streaming} standby connection(s) streaming` +
            (unknownRows > 0 ? `, ${unknownRows} not matched to a configured member` : ""),
        );
      }
    } else if (cand) {
      view = standbyView(m, cand, refProbe, matches.get(m.memberId) ?? null, prev?.replication ?? null, add, thresholds, ref, claimedPids);
      if (r.kind === "standby") {
        timeline = r.timeline;
        if (refProbe && ref && r.timeline !== null && r.timeline !== refProbe.timeline) {
          add(
            "timeline_mismatch",
            "critical",
            r.timeline < refProbe.timeline
              ? `standby on timeline ${r.timeline}, behind primary ${label(ref)} on timeline ${refProbe.timeline}: it follows an old history (recovery_target_timeline = 'latest', pg_rewind or a new base backup)`
              : `standby on timeline ${r.timeline}, ahead of primary ${label(ref)} on timeline ${refProbe.timeline}: that primary is stale`,
          );
        }
      }
    }

    if (m.fenced && r.kind !== "primary") {
      // A former primary demoted by a promotion: down or in recovery is what is expected of it.
      const found = reasons.splice(0, reasons.length);
      const now =
        r.kind === "standby"
          ? `runs in recovery${r.walReceiver?.status === "streaming" ? ", streaming from the primary" : " (not streaming)"}`
          : r.kind === "unreachable"
            ? "stopped (does not answer)"
            : `not probed (${r.kind})`;
      if (m.fenceState === "not_fenced") {
        add("not_fenced", "warn", `NOT FENCED: a former primary demoted without fencing, ${now}; nothing stops it coming back writable. Next step: fence it (Failover page → Fence now) as soon as its host answers, or re-attach it`);
      } else {
        add("fenced", "info", `fenced (expected): a former primary, ${now}; standby.signal keeps any restart in recovery. Next step: re-attach it as a standby (Failover page → Re-attach)`);
      }
      for (const f of found) reasons.push({ ...f, severity: "info" });
    }

    const status = worstStatus(reasons.map((x) => x.severity));
    return {
      memberId: m.memberId,
      ...(m.name !== undefined ? { name: m.name } : {}),
      role,
      probeKind: r.kind,
      status,
      reasons,
      timeline,
      replication: view,
    };
  });

  const status = worstStatus([...clusterReasons.map((x) => x.severity), ...out.map((x) => x.status)]);
  const assessedAt = members.reduce((acc, m) => (m.result.probedAt > acc ? m.result.probedAt : acc), "");
  return {
    status,
    primaryId: ref?.memberId ?? null,
    reasons: clusterReasons,
    members: out,
    assessedAt: assessedAt || previous?.assessedAt || new Date(0).toISOString(),
  };
}

/** Why a writable member that the model says is fenced or a standby is a danger, and what happens next. */
function staleMessage(m: MemberProbe, members: MemberProbe[]): string {
  const legit = members.find((x) => x.expectedRole === "primary" && !x.fenced && x.memberId !== m.memberId);
  const tl = m.result.kind === "primary" ? ` on timeline ${m.result.timeline}` : "";
  const what = m.fenced
    ? `writable${tl} although it was fenced after a promotion: a stale primary came back (split brain)`
    : `writable${tl} although the model says it is a standby (promoted behind the dashboard's back?)`;
  if (legit && legit.result.kind === "primary") return `${what}; ${label(legit)} is the primary: fence this one (the split-brain guard does so at once when the cluster's policy allows it)`;
  return `${what}; the model's primary ${legit ? label(legit) : "(none)"} does not answer: not fenced automatically (it may be the only writable member): promote it or fence it by hand`;
}

function slotReasons(
  s: SlotRow,
  add: (code: HealthReason["code"], sev: HealthReason["severity"], msg: string) => void,
  standbySlots: Set<string>,
) {
  if (s.walStatus === "lost") {
    add("slot_wal_lost", "critical", `slot ${s.slotName}: required WAL was removed (wal_status lost): its standby must be rebuilt`);
  } else if (s.walStatus === "unreserved") {
    add("slot_wal_unreserved", "warn", `slot ${s.slotName}: WAL beyond max_slot_wal_keep_size (wal_status unreserved), about to be lost`);
  }
  if (!s.active && !s.temporary && !standbySlots.has(s.slotName)) {
    add("orphan_slot", "warn", `inactive slot ${s.slotName} used by no known standby retains ${formatBytes(s.restartLagBytes)} of WAL`);
  }
}

function standbyView(
  m: MemberProbe,
  cand: StandbyCandidate,
  primary: PrimaryProbe | null,
  match: StandbyMatch | null,
  prev: StandbyReplicationView | null,
  add: (code: HealthReason["code"], sev: HealthReason["severity"], msg: string) => void,
  t: Thresholds,
  ref: MemberProbe | null,
  claimedPids: Set<number>,
): StandbyReplicationView {
  const v = emptyView();
  const probe = cand.probe;
  const row = match?.row ?? null;
  v.matchedBy = match?.matchedBy ?? null;
  v.row = row;
  v.slotName = cand.slotName;
  v.applicationName = cand.applicationName ?? row?.applicationName ?? null;
  const slot = primary && cand.slotName ? primary.slots.find((s) => s.slotName === cand.slotName) ?? null : null;
  v.slotActive = slot ? slot.active : null;
  if (row) {
    v.state = row.state;
    v.syncState = row.syncState;
    v.sentBytes = row.sentLagBytes;
    v.writeBytes = row.writeLagBytes;
    v.flushBytes = row.flushLagBytes;
    v.replayBytes = row.replayLagBytes;
    v.writeLagSeconds = row.writeLagSeconds;
    v.flushLagSeconds = row.flushLagSeconds;
    v.replayLagSeconds = row.replayLagSeconds;
  }
  const refName = ref ? label(ref) : "the primary";

  if (!probe) {
    // Unreachable / auth failed / error: judge only from the primary's side.
    if (primary) {
      if (row) {
        add("monitor_path_only", "warn", `the monitor cannot probe this standby, but ${refName} shows it ${row.state ?? "connected"}`);
      } else if (slot && !slot.active) {
        add("standby_disconnected", "critical", `disconnected: slot ${slot.slotName} on ${refName} is inactive and the standby cannot be probed`);
      } else if (cand.slotName || cand.applicationName || primary.replication.every((x) => claimedPids.has(x.pid))) {
        add("standby_disconnected", "critical", `disconnected: no pg_stat_replication row on ${refName} for this standby`);
      }
    }
    return v;
  }

  // Reachable standby.
  v.receiveReplayGapBytes = probe.receiveReplayGapBytes;
  v.replayPaused = probe.replayPaused || probe.replayPauseState !== "not paused";
  v.lastMsgReceiptTime = probe.walReceiver?.lastMsgReceiptTime ?? null;
  v.upstream = probe.walReceiver ? { host: probe.walReceiver.senderHost, port: probe.walReceiver.senderPort } : null;
  if (v.replayBytes === null && primary) {
    const d = lsnDiff(primary.currentLsn, probe.replayLsn);
    v.replayBytes = d === null ? null : Math.max(0, d);
  }
  if (v.replayBytes !== null && prev?.replayBytes !== null && prev?.replayBytes !== undefined) {
    v.replayBytesDelta = v.replayBytes - prev.replayBytes;
  }
  if (v.replayPaused) {
    v.replayLagFrozen =
      prev !== null && prev.replayLagSeconds !== null && v.replayLagSeconds !== null
        ? prev.replayLagSeconds === v.replayLagSeconds && (v.replayBytesDelta ?? 0) >= 0
        : null;
  }

  const wr = probe.walReceiver;
  if (!wr) {
    add("wal_receiver_not_streaming", "critical", "disconnected: no WAL receiver runs (cannot connect to its upstream, or replays from archive only)");
  } else if (wr.status !== "streaming") {
    add("wal_receiver_not_streaming", "critical", `disconnected: WAL receiver status is ${wr.status ?? "unknown"}, not streaming`);
  }

  let connected = !!wr && wr.status === "streaming";
  if (primary) {
    if (cand.slotName && !slot && (!wr || wr.senderPort === null || ref === null || wr.senderPort === ref.result.port)) {
      add("slot_missing", "critical", `slot ${cand.slotName} does not exist on ${refName}`);
    }
    if (slot && !slot.active) {
      add("slot_inactive", "critical", `disconnected: slot ${slot.slotName} on ${refName} is inactive`);
      connected = false;
    }
    if (!row) {
      add("standby_disconnected", "critical", `disconnected: no pg_stat_replication row on ${refName} for this standby`);
      connected = false;
    } else if (row.state !== "streaming") {
      add("catching_up", "warn", `replication state on ${refName} is ${row.state ?? "unknown"}, not streaming`);
    }
  }

  const bytes = v.replayBytes ?? (primary ? null : probe.receiveReplayGapBytes);
  let lagging = false;
  if (bytes !== null && bytes > t.maxLagBytes) {
    lagging = true;
    add("lagging_bytes", "warn", `replay is ${formatBytes(bytes)} behind (limit ${formatBytes(t.maxLagBytes)})`);
  }
  if (v.replayLagSeconds !== null && v.replayLagSeconds > t.maxLagSeconds) {
    lagging = true;
    add("lagging_time", "warn", `replay_lag ${fmtSeconds(v.replayLagSeconds)} exceeds ${t.maxLagSeconds} s`);
  }
  if (v.replayPaused) {
    const growth =
      v.replayBytesDelta !== null ? `, ${v.replayBytesDelta >= 0 ? "+" : ""}${formatBytes(v.replayBytesDelta)} since the previous sample` : "";
    add(
      "replay_paused",
      "warn",
      `WAL replay is ${probe.replayPauseState} (pg_wal_replay_resume() resumes it): replay byte lag ${formatBytes(bytes)}${growth}; ` +
        `replay_lag ${v.replayLagFrozen ? "frozen at " : ""}${fmtSeconds(v.replayLagSeconds)}`,
    );
  }
  if (connected && !lagging && !v.replayPaused) {
    if (bytes === 0 && v.replayLagSeconds === null && row) {
      add("idle", "info", "streaming, caught up: 0 B behind; the primary is idle, so its lag intervals are NULL");
    } else if (bytes === 0) {
      add("caught_up", "info", `streaming, caught up: 0 B behind (replay_lag ${fmtSeconds(v.replayLagSeconds)})`);
    } else {
      add("streaming", "info", `streaming, replay ${formatBytes(bytes)} behind (replay_lag ${fmtSeconds(v.replayLagSeconds)})`);
    }
  }
  return v;
}
