"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { apiFetch } from "../api";
import { errorText } from "../error-text";
import { Alert, Card, PageTitle } from "../ui";
import { ConfigText, fieldErrors, ProblemList, SelectInput, TextInput, useDebounced, useOptionList, type DirectorOption, type Problem } from "./common";

interface Answer {
  standby: { id: number; name: string; address: string };
  primary: { id: number; name: string; version: string };
  options: Record<string, string | number | undefined>;
  jobText: string;
  scriptText: string;
  problems: Problem[];
  schedules: string[];
}

const INPUTS = [
  { key: "standbyHost", label: "Standby host", help: "Host name or IP address the primary reaches the standby at." },
  { key: "standbyUser", label: "Standby SSH user", help: "Debian's bacula user has the nologin shell: scp in SFTP mode still works." },
  { key: "standbyPort", label: "Standby SSH port" },
  { key: "sshKeyPath", label: "SSH private key path", help: "On the primary Director host; a key dedicated to this job." },
  { key: "knownHostsPath", label: "known_hosts path", help: "Holds the standby's host key (StrictHostKeyChecking=yes)." },
  { key: "remoteDir", label: "Directory on the standby" },
  { key: "configDir", label: "Configuration directory on the primary" },
  { key: "scriptPath", label: "Script path on the primary" },
  { key: "jobName", label: "Admin Job name" },
] as const;

type Key = (typeof INPUTS)[number]["key"];

export function StandbyReplication() {
  const directors = useOptionList<DirectorOption>("directors", {});
  const standbys = (directors.data ?? []).filter((d) => d.role === "standby");
  const [standbyId, setStandbyId] = useState("");
  const [values, setValues] = useState<Partial<Record<Key | "method" | "schedule", string>>>({});
  const body = useMemo(() => {
    if (!standbyId) return null;
    const out: Record<string, unknown> = { standbyId: Number(standbyId) };
    for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== "") out[k] = v;
    return out;
  }, [standbyId, values]);
  const settled = useDebounced(body, 300);
  const preview = useQuery({
    queryKey: ["admin-replication", settled],
    queryFn: () => apiFetch<Answer>("/api/config/admin-replication", { method: "POST", json: settled }),
    enabled: Boolean(settled),
    placeholderData: (prev) => prev,
    retry: false,
  });
  const errors = fieldErrors(preview.error);
  const current = preview.data?.options ?? {};
  const set = (k: string, v: string) => setValues({ ...values, [k]: v });

  return (
    <>
      <PageTitle subtitle="An Admin Job on the primary copies its configuration to a standby Director over SSH. Preview only: deploying comes with the deploy page.">Standby configuration replication</PageTitle>
      <div className="grid gap-4 xl:grid-cols-2">
        <Card title="Standby">
          <div className="grid gap-4 md:grid-cols-2">
            <SelectInput id="rep-standby" label="Standby Director" value={standbyId} onChange={(v) => { setStandbyId(v); setValues({}); }} placeholder="(choose)"
              options={standbys.map((d) => ({ value: String(d.id), label: d.name }))}
              help={standbys.length === 0 ? "No standby Director yet: create one with the role standby." : "Its primary runs the Admin Job."} />
            {preview.data && (
              <p className="self-end text-sm text-slate-700">Runs on the primary <strong>{preview.data.primary.name}</strong> (Bacula {preview.data.primary.version}).</p>
            )}
            {standbyId && INPUTS.map((f) => (
              <TextInput key={f.key} id={`rep-${f.key}`} label={f.label} help={"help" in f ? f.help : undefined}
                value={values[f.key] ?? String(current[f.key] ?? "")} onChange={(v) => set(f.key, v)} error={errors[f.key]} />
            ))}
            {standbyId && (
              <>
                <SelectInput id="rep-method" label="Copy method" value={values.method ?? String(current.method ?? "scp")} onChange={(v) => set("method", v)}
                  options={[{ value: "scp", label: "scp -s (SFTP; works with a nologin shell)" }, { value: "rsync", label: "rsync over ssh (needs a login shell)" }]} error={errors.method} />
                <SelectInput id="rep-schedule" label="Schedule" value={values.schedule ?? ""} onChange={(v) => set("schedule", v)} placeholder="(none: run by hand)"
                  options={(preview.data?.schedules ?? []).map((s) => ({ value: s, label: s }))} error={errors.schedule} />
              </>
            )}
          </div>
          {preview.error && <div className="mt-3"><Alert>{errorText(preview.error, { placed: standbyId ? [...INPUTS.map((f) => f.key), "method", "schedule"] : [], lead: "No preview" })}</Alert></div>}
        </Card>
        <div className="space-y-4">
          {preview.data && (
            <>
              <Card title="Admin Job (bacula-dir.conf of the primary)">
                <ConfigText title="Generated Admin Job" text={preview.data.jobText} testId="admin-job" />
                <div className="mt-3"><ProblemList problems={preview.data.problems} /></div>
              </Card>
              <Card title="Script it calls">
                <ConfigText title={`Script ${String(current.scriptPath ?? "")}`} text={preview.data.scriptText} testId="admin-script" />
                <p className="mt-2 text-xs text-slate-600">RunScript splits its command into words without a shell, so the job calls this script rather than a pipeline.</p>
              </Card>
            </>
          )}
        </div>
      </div>
    </>
  );
}
