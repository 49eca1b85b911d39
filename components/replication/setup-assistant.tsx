"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { ZodError } from "zod";
import { generateReplicationSetup, pgMajorFrom, SUPPORTED_PG_MAJORS, type SetupInput, type SetupPlan } from "@/lib/replication/setup";
import type { ClusterStatusView } from "@/lib/replication/view";
import { labelled } from "@/lib/http/field-label";
import { apiFetch } from "../api";
import { CopyButton } from "../copy-button";
import { Alert, Badge, Card, inputClass } from "../ui";

type Form = Record<keyof Omit<SetupInput, "pgMajor">, string> & { pgMajor: string };

const EMPTY: Form = {
  pgMajor: "15",
  primaryHost: "",
  primaryPort: "5432",
  standbyHost: "",
  standbyPort: "5432",
  standbyNetwork: "",
  monitorNetwork: "127.0.0.1/32",
  standbyDataDir: "/var/lib/postgresql/15/main",
  pgBinDir: "",
  database: "bacula",
  monitorUser: "bacula_monitor",
  replicationUser: "replicator",
  slotName: "standby1_slot",
  maxWalSenders: "10",
  maxReplicationSlots: "10",
  walKeepMb: "1024",
};

const FIELDS: Array<{ key: keyof Form; label: string; help?: string }> = [
  { key: "pgMajor", label: "PostgreSQL major version" },
  { key: "primaryHost", label: "Primary host" },
  { key: "primaryPort", label: "Primary port" },
  { key: "standbyHost", label: "Standby host" },
  { key: "standbyPort", label: "Standby port" },
  { key: "standbyNetwork", label: "Standby network (CIDR)", help: "Where the standby connects from; default its address/32." },
  { key: "monitorNetwork", label: "Dashboard network (CIDR)", help: "Where this dashboard connects from." },
  { key: "standbyDataDir", label: "Standby data directory" },
  { key: "pgBinDir", label: "PostgreSQL bin directory", help: "Default /usr/lib/postgresql/<version>/bin." },
  { key: "database", label: "Database" },
  { key: "monitorUser", label: "Monitoring role" },
  { key: "replicationUser", label: "Replication role" },
  { key: "slotName", label: "Replication slot" },
  { key: "maxWalSenders", label: "max_wal_senders" },
  { key: "maxReplicationSlots", label: "max_replication_slots" },
  { key: "walKeepMb", label: "WAL kept without a slot (MB)" },
];

/** Prefill from a cluster: hosts, ports, slot, monitoring role and the version the servers report. */
function fromCluster(c: ClusterStatusView, pgBinDir?: string): Partial<Form> {
  const primary = c.members.find((m) => m.role === "primary") ?? c.members.find((m) => m.configuredRole === "primary");
  const standby = c.members.find((m) => m.id !== primary?.id);
  const major = pgMajorFrom(primary?.serverVersion ?? standby?.serverVersion) ?? pgMajorFrom(pgBinDir);
  const out: Partial<Form> = {};
  if (major) {
    out.pgMajor = String(major);
    out.standbyDataDir = `/var/lib/postgresql/${major}/main`;
  }
  if (primary) Object.assign(out, { primaryHost: primary.address, primaryPort: String(primary.port) });
  if (standby) {
    Object.assign(out, { standbyHost: standby.address, standbyPort: String(standby.port) });
    if (standby.replication?.slotName) out.slotName = standby.replication.slotName;
  }
  return out;
}

export function SetupAssistant({ clusterId }: { clusterId: number | null }) {
  const [form, setForm] = useState<Form>(EMPTY);
  const [prefilled, setPrefilled] = useState(false);
  // Fields the user has left (or changed): an empty field says "required" only once it was visited.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const touch = (k: string) => setTouched((t) => (t.has(k) ? t : new Set(t).add(k)));
  const cluster = useQuery({
    queryKey: ["replication", clusterId],
    queryFn: () => apiFetch<{ cluster: ClusterStatusView }>(`/api/replication/${clusterId}`),
    enabled: clusterId !== null,
  });
  useEffect(() => {
    if (!prefilled && cluster.data) {
      setForm((f) => ({ ...f, ...fromCluster(cluster.data.cluster) }));
      setPrefilled(true);
    }
  }, [cluster.data, prefilled]);

  const result = useMemo((): { plan: SetupPlan | null; errors: Record<string, string> } => {
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim() !== "") input[k] = v;
    try {
      return { plan: generateReplicationSetup(input as SetupInput), errors: {} };
    } catch (e) {
      if (e instanceof ZodError) {
        const errors: Record<string, string> = {};
        // The field's label is shown with the message: a message's own "Slot name: " prefix is dropped.
        for (const i of e.issues) errors[String(i.path[0] ?? "(form)")] ??= i.message.replace(/^[A-Z][A-Za-z ]{1,30}: /, "");
        return { plan: null, errors };
      }
      throw e;
    }
  }, [form]);
  const shown = (k: string) => result.errors[k] !== undefined && (touched.has(k) || form[k as keyof Form].trim() !== "");
  const waiting = Object.keys(result.errors).filter((k) => !shown(k));

  return (
    <div className="space-y-4">
      <Alert kind="info">
        The assistant writes the commands; you run them on the servers. Running them over SSH from here is planned but not available yet.
        {cluster.data && ` Prefilled from cluster “${cluster.data.cluster.name}”.`}
      </Alert>
      <Card title="Your servers">
        <form className="grid gap-3 md:grid-cols-2 xl:grid-cols-4" onSubmit={(e) => e.preventDefault()} noValidate>
          {FIELDS.map((f) => {
            const id = `setup-${f.key}`;
            const err = shown(f.key) ? result.errors[f.key] : undefined;
            return (
              <div key={f.key}>
                <label htmlFor={id} className="block text-sm font-medium text-slate-700">
                  {f.label}
                </label>
                {f.key === "pgMajor" ? (
                  <select id={id} className={inputClass} value={form.pgMajor} onChange={(e) => setForm({ ...form, pgMajor: e.target.value })}>
                    {SUPPORTED_PG_MAJORS.map((v) => (
                      <option key={v} value={v}>{v}</option>
                    ))}
                  </select>
                ) : (
                  <input
                    id={id}
                    className={inputClass}
                    value={form[f.key]}
                    aria-invalid={err ? "true" : undefined}
                    aria-describedby={err ? `${id}-error` : undefined}
                    onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
                    onBlur={() => touch(f.key)}
                  />
                )}
                {err ? (
                  <p id={`${id}-error`} className="mt-0.5 text-xs text-red-700">{labelled(f.label, err)}</p>
                ) : (
                  f.help && <p className="mt-0.5 text-xs text-slate-500">{f.help}</p>
                )}
              </div>
            );
          })}
        </form>
      </Card>
      {result.plan ? (
        result.plan.steps.map((s, i) => (
          <Card
            key={s.id}
            title={
              <span className="flex items-center gap-2">
                {i + 1}. {s.title} <Badge tone={s.target === "primary" ? "blue" : s.target === "standby" ? "slate" : "green"}>on the {s.target}</Badge>
              </span>
            }
            actions={<CopyButton text={s.text} label={s.title} />}
          >
            <pre className="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid={`setup-${s.id}`}>
              {s.text}
            </pre>
            {s.notes.length > 0 && (
              <ul className="mt-2 list-disc pl-5 text-xs text-slate-600">
                {s.notes.map((n) => <li key={n}>{n}</li>)}
              </ul>
            )}
          </Card>
        ))
      ) : (
        Object.keys(result.errors).some(shown) ? (
          <Alert>Fix the highlighted fields to see the commands.</Alert>
        ) : (
          <Alert kind="info">
            <span data-testid="setup-waiting">Fill in {waiting.map((k) => FIELDS.find((f) => f.key === k)?.label ?? k).join(", ")} to see the commands.</span>
          </Alert>
        )
      )}
    </div>
  );
}
