"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { SELECTION_TYPES } from "@/lib/bacula/model";
import { apiFetch } from "../api";
import { errorText } from "../error-text";
import { Alert, Badge, Button, Card, PageTitle } from "../ui";
import { useCan } from "../user-context";
import { ChainGraphView } from "./chain-graph";
import {
  ConfigText,
  fieldErrors,
  InlineProblems,
  ValidatorSection,
  SelectInput,
  TextInput,
  useDebounced,
  useOptionList,
  type DirectorOption,
  type PreviewAnswer,
} from "./common";

interface TargetState {
  mode: "existing" | "new";
  pool: string;
  newName: string;
  storage: string;
}

interface HopState {
  key: number;
  type: "copy" | "clone";
  target: TargetState;
  jobName: string;
  selectionType: string;
  selectionPattern: string;
  trigger: "after" | "schedule";
  schedule: string;
}

interface JobRow {
  id: number;
  name: string;
  type: string;
}

const PATTERN_TYPES = new Set(["Client", "Volume", "Job", "SqlQuery"]);

let hopKey = 0;

function toPlan(startMode: "job" | "pool", start: string, hops: HopState[], defaults: { client: string; fileset: string; messages: string }) {
  const target = (t: TargetState) =>
    t.mode === "existing" ? { pool: t.pool } : { pool: t.newName, create: true, storage: t.storage ? [t.storage] : [] };
  return {
    start: startMode === "job" ? { job: start } : { pool: start },
    hops: hops.map((h) =>
      h.type === "copy"
        ? {
            type: "copy" as const,
            target: target(h.target),
            job: { name: h.jobName, selectionType: h.selectionType, selectionPattern: h.selectionPattern, trigger: h.trigger, schedule: h.schedule },
          }
        : { type: "clone" as const, target: target(h.target), job: { name: h.jobName } },
    ),
    defaults: startMode === "pool" ? defaults : {},
  };
}

export function ChainBuilder() {
  const canEdit = useCan("operator");
  const qc = useQueryClient();
  // ?director=<id>&pool=<name> or &job=<name> (from the topology map) starts the chain there.
  const params = useSearchParams();
  const [directorId, setDirectorId] = useState(() => params.get("director") ?? "");
  const [startMode, setStartMode] = useState<"job" | "pool">(() => (params.get("pool") ? "pool" : "job"));
  const [start, setStart] = useState(() => params.get("pool") ?? params.get("job") ?? "");
  const [hops, setHops] = useState<HopState[]>([]);
  const [defaults, setDefaults] = useState({ client: "", fileset: "", messages: "" });
  const [applied, setApplied] = useState<string | null>(null);

  const directors = useOptionList<DirectorOption>("directors", {});
  const usable = (directors.data ?? []).filter((d) => d.role !== "standby");
  const dir = directorId ? Number(directorId) : undefined;
  const jobs = useQuery({
    queryKey: ["list", "jobs", "builder", directorId],
    queryFn: () => apiFetch<{ items: JobRow[] }>(`/api/jobs?directorId=${directorId}&pageSize=200`).then((r) => r.items),
    enabled: Boolean(directorId),
  });
  const pools = useOptionList("pools", { directorId }, Boolean(dir));
  const storages = useOptionList("storages", { directorId }, Boolean(dir));
  const schedules = useOptionList("schedules", { directorId }, Boolean(dir));
  const clients = useOptionList("clients", { directorId }, Boolean(dir) && startMode === "pool");
  const filesets = useOptionList("filesets", { directorId }, Boolean(dir) && startMode === "pool");
  const messages = useOptionList("messages", { directorId }, Boolean(dir) && startMode === "pool");
  const sds = useOptionList("storage-daemons", {});

  const plan = useMemo(() => (dir && start ? { directorId: dir, chain: toPlan(startMode, start, hops, defaults) } : null), [dir, start, startMode, hops, defaults]);
  const settled = useDebounced(plan, 300);
  const preview = useQuery({
    queryKey: ["preview", "chain", settled],
    queryFn: () => apiFetch<PreviewAnswer>("/api/config/preview", { method: "POST", json: settled }),
    enabled: Boolean(settled),
    placeholderData: (prev) => prev,
    retry: false,
  });

  const apply = useMutation({
    mutationFn: () => apiFetch<{ created: { kind: string; name: string }[]; updated: { kind: string; name: string }[] }>("/api/builder/chain", { method: "POST", json: plan }),
    onSuccess: (res) => {
      setApplied(`Applied: created ${res.created.map((c) => `${c.kind} ${c.name}`).join(", ") || "nothing"}; updated ${res.updated.map((c) => `${c.kind} ${c.name}`).join(", ") || "nothing"}.`);
      setHops([]);
      void qc.invalidateQueries({ queryKey: ["options"] });
      void qc.invalidateQueries({ queryKey: ["list"] });
      void qc.invalidateQueries({ queryKey: ["preview"] });
    },
    onError: () => setApplied(null),
  });

  const errs = { ...fieldErrors(preview.error), ...fieldErrors(apply.error) };
  // The field paths whose problem is shown next to an input: the summaries below leave them out.
  const placed: string[] = [];
  const err = (...paths: string[]) => {
    const hit = paths.map((p) => `chain.${p}`).find((p) => errs[p]);
    if (hit) placed.push(hit);
    return hit ? errs[hit] : undefined;
  };

  const startName = start || "chain";
  const addHop = (type: "copy" | "clone") => {
    const n = hops.filter((h) => h.type === type).length + 1;
    setHops([
      ...hops,
      {
        key: ++hopKey,
        type,
        target: { mode: "existing", pool: "", newName: "", storage: "" },
        jobName: `${startName.replace(/[^A-Za-z0-9:._ -]/g, "")}-${type}${n}`,
        selectionType: type === "copy" ? (hops.some((h) => h.type === "copy") ? "Job" : "PoolUncopiedJobs") : "",
        selectionPattern: "",
        trigger: "after",
        schedule: "",
      },
    ]);
    setApplied(null);
  };
  const update = (i: number, patch: Partial<HopState>) => setHops(hops.map((h, k) => (k === i ? { ...h, ...patch } : h)));
  const updateTarget = (i: number, patch: Partial<TargetState>) => update(i, { target: { ...hops[i].target, ...patch } });

  const backupJobs = (jobs.data ?? []).filter((j) => j.type === "Backup");
  const sdOf = (sid?: number) => sds.data?.find((s) => s.id === sid)?.name;
  const storageOptions = (storages.data ?? []).map((s) => ({ value: s.name, label: `${s.name} (${s.mediaType}${sdOf(s.storageDaemonId) ? `, ${sdOf(s.storageDaemonId)}` : ""})` }));
  const poolOptions = (pools.data ?? []).map((p) => ({ value: p.name, label: p.name }));
  const uncopied = (preview.data?.problems ?? []).filter((p) => p.rule === "uncopied-second-hop");

  return (
    <>
      <PageTitle subtitle="Start from a backup Job or a Pool and add Copy hops (Next Pool, on this or another Storage Daemon) and Clone hops (Run = lines).">Copy / clone chain builder</PageTitle>
      <div className="grid gap-4 2xl:grid-cols-2">
        <div className="space-y-4">
          <Card title="Start">
            <div className="grid gap-4 md:grid-cols-2">
              <SelectInput
                id="chain-director"
                label="Director"
                value={directorId}
                onChange={(v) => { setDirectorId(v); setStart(""); setHops([]); setApplied(null); }}
                placeholder="(choose)"
                options={usable.map((d) => ({ value: String(d.id), label: `${d.name} (Bacula ${d.version})` }))}
              />
              <fieldset>
                <legend className="mb-1 block text-sm font-medium">Start from</legend>
                <div className="flex gap-4 pt-1 text-sm">
                  <label className="flex items-center gap-1"><input type="radio" name="chain-start" checked={startMode === "job"} onChange={() => { setStartMode("job"); setStart(""); }} />a backup Job</label>
                  <label className="flex items-center gap-1"><input type="radio" name="chain-start" checked={startMode === "pool"} onChange={() => { setStartMode("pool"); setStart(""); }} />a Pool</label>
                </div>
              </fieldset>
              {startMode === "job" ? (
                <SelectInput id="chain-start-job" label="Backup job" value={start} onChange={setStart} disabled={!dir}
                  placeholder={dir ? "(choose)" : "(choose the Director first)"} error={err("start.job")}
                  options={backupJobs.map((j) => ({ value: j.name, label: j.name }))} />
              ) : (
                <SelectInput id="chain-start-pool" label="Source pool" value={start} onChange={setStart} disabled={!dir}
                  placeholder={dir ? "(choose)" : "(choose the Director first)"} error={err("start.pool")} options={poolOptions} />
              )}
            </div>
            {startMode === "pool" && dir && (
              <div className="mt-4 grid gap-4 md:grid-cols-3">
                <SelectInput id="chain-client" label="Client of the new jobs" value={defaults.client} onChange={(v) => setDefaults({ ...defaults, client: v })} placeholder="(from the pool's backup job)" error={err("defaults.client")} options={(clients.data ?? []).map((o) => ({ value: o.name, label: o.name }))} />
                <SelectInput id="chain-fileset" label="FileSet of the new jobs" value={defaults.fileset} onChange={(v) => setDefaults({ ...defaults, fileset: v })} placeholder="(from the pool's backup job)" error={err("defaults.fileset")} options={(filesets.data ?? []).map((o) => ({ value: o.name, label: o.name }))} />
                <SelectInput id="chain-messages" label="Messages of the new jobs" value={defaults.messages} onChange={(v) => setDefaults({ ...defaults, messages: v })} placeholder="(from the pool's backup job)" error={err("defaults.messages")} options={(messages.data ?? []).map((o) => ({ value: o.name, label: o.name }))} />
              </div>
            )}
          </Card>

          {hops.map((h, i) => {
            const p = `hop-${i}`;
            const hopProblems = (preview.data?.problems ?? []).filter((x) => x.resource === "Job" && x.name === h.jobName);
            return (
              <Card
                key={h.key}
                title={<span>Hop {i + 1}: {h.type === "copy" ? "Copy" : "Clone"} <Badge tone={h.type === "copy" ? "blue" : "amber"}>{h.type === "copy" ? "Next Pool" : "Run ="}</Badge></span>}
                actions={<Button type="button" variant="ghost" aria-label={`Remove hop ${i + 1}`} onClick={() => setHops(hops.filter((_, k) => k !== i))}>✕ Remove</Button>}
              >
                <section aria-label={`Hop ${i + 1}`} className="space-y-4">
                  <fieldset>
                    <legend className="mb-1 text-sm font-medium">{h.type === "copy" ? "Copy to (Next Pool)" : "Clone writes to"}</legend>
                    <div className="mb-2 flex gap-4 text-sm">
                      <label className="flex items-center gap-1"><input type="radio" name={`${p}-mode`} checked={h.target.mode === "existing"} onChange={() => updateTarget(i, { mode: "existing" })} />an existing pool</label>
                      <label className="flex items-center gap-1"><input type="radio" name={`${p}-mode`} checked={h.target.mode === "new"} onChange={() => updateTarget(i, { mode: "new" })} />a new pool</label>
                    </div>
                    {h.target.mode === "existing" ? (
                      <SelectInput id={`${p}-pool`} label={`Hop ${i + 1} target pool`} value={h.target.pool} onChange={(v) => updateTarget(i, { pool: v })} placeholder="(choose)" options={poolOptions} error={err(`hops.${i}.target.pool`, `hops.${i}.target.nextPoolId`)} />
                    ) : (
                      <div className="grid gap-4 md:grid-cols-2">
                        <TextInput id={`${p}-new-pool`} label={`Hop ${i + 1} new pool name`} value={h.target.newName} onChange={(v) => updateTarget(i, { newName: v })} placeholder="Vault" error={err(`hops.${i}.target.pool`, `hops.${i}.target.name`)} />
                        <SelectInput id={`${p}-new-storage`} label={`Hop ${i + 1} new pool storage`} value={h.target.storage} onChange={(v) => updateTarget(i, { storage: v })} placeholder="(choose)" options={storageOptions} error={err(`hops.${i}.target.storage`, `hops.${i}.target.storage.0`, `hops.${i}.target.storageIds`)} help="A storage on another Storage Daemon puts the copy on another machine." />
                      </div>
                    )}
                  </fieldset>
                  <div className="grid gap-4 md:grid-cols-2">
                    <TextInput id={`${p}-job`} label={`Hop ${i + 1} ${h.type} job name`} value={h.jobName} onChange={(v) => update(i, { jobName: v })} error={err(`hops.${i}.job.name`)} />
                    {h.type === "copy" && (
                      <div>
                        <SelectInput id={`${p}-selection`} label={`Hop ${i + 1} selection type`} value={h.selectionType} onChange={(v) => update(i, { selectionType: v })}
                          options={SELECTION_TYPES.map((s) => ({ value: s, label: s }))} error={err(`hops.${i}.job.selectionType`)}
                          describedByExtra={hopProblems.some((x) => x.field === "selectionType") ? `${p}-selection-problems` : undefined}
                          help="PoolUncopiedJobs selects original backups only: use it on the first hop." />
                        <InlineProblems id={`${p}-selection-problems`} problems={hopProblems.filter((x) => x.field === "selectionType")} />
                      </div>
                    )}
                    {h.type === "copy" && PATTERN_TYPES.has(h.selectionType) && (
                      <TextInput id={`${p}-pattern`} label={`Hop ${i + 1} selection pattern`} value={h.selectionPattern} onChange={(v) => update(i, { selectionPattern: v })}
                        placeholder={h.selectionType === "SqlQuery" ? "SELECT JobId FROM Job WHERE ..." : "^NightlyBackup$"} error={err(`hops.${i}.job.selectionPattern`)}
                        help={h.selectionType === "SqlQuery" ? "An SQL query returning JobIds." : "A POSIX extended regular expression."} />
                    )}
                    {h.type === "copy" && (
                      <fieldset className="md:col-span-2">
                        <legend className="mb-1 text-sm font-medium">Hop {i + 1} runs</legend>
                        <div className="flex flex-wrap items-end gap-4 text-sm">
                          <label className="flex items-center gap-1"><input type="radio" name={`${p}-trigger`} checked={h.trigger === "after"} onChange={() => update(i, { trigger: "after" })} />after the previous job (same Schedule, next Priority)</label>
                          <label className="flex items-center gap-1"><input type="radio" name={`${p}-trigger`} checked={h.trigger === "schedule"} onChange={() => update(i, { trigger: "schedule" })} />on its own Schedule</label>
                        </div>
                        {h.trigger === "schedule" && (
                          <SelectInput className="mt-2 max-w-sm" id={`${p}-schedule`} label={`Hop ${i + 1} schedule`} value={h.schedule} onChange={(v) => update(i, { schedule: v })} placeholder="(choose)"
                            options={(schedules.data ?? []).map((s) => ({ value: s.name, label: s.name }))} error={err(`hops.${i}.job.schedule`, `hops.${i}.job.scheduleId`)} />
                        )}
                        {h.trigger === "after" && err(`hops.${i}.job.trigger`) && <p className="mt-1 text-sm text-red-700" role="alert">{err(`hops.${i}.job.trigger`)}</p>}
                      </fieldset>
                    )}
                    {h.type === "clone" && (
                      <p className="text-sm text-slate-600 md:col-span-2">
                        The backup job gets <code className="rounded bg-slate-100 px-1">Run = &quot;{h.jobName} level=%l since=\&quot;%s\&quot;&quot;</code>: each backup also starts this clone with the same level and since time.
                      </p>
                    )}
                  </div>
                  {err(`hops.${i}.type`) && <p className="text-sm text-red-700" role="alert">{err(`hops.${i}.type`)}</p>}
                </section>
              </Card>
            );
          })}

          <div className="flex flex-wrap gap-2">
            <Button type="button" variant="secondary" disabled={!start} onClick={() => addHop("copy")}>Add copy hop</Button>
            <Button type="button" variant="secondary" disabled={!start || startMode !== "job"} onClick={() => addHop("clone")} title={startMode !== "job" ? "A clone starts from a backup Job" : undefined}>Add clone hop</Button>
            {canEdit ? (
              <Button type="button" disabled={!plan || hops.length === 0 || apply.isPending} onClick={() => apply.mutate()}>{apply.isPending ? "Applying…" : "Apply chain"}</Button>
            ) : (
              <p className="text-sm text-slate-600">You have read-only access (viewer role): preview only.</p>
            )}
          </div>
          {apply.error && <Alert>{errorText(apply.error, { placed, lead: "Not applied" })}</Alert>}
          {applied && <Alert kind="success">{applied}</Alert>}
        </div>

        <div className="space-y-4">
          <Card title="Chain">
            {!plan && <p className="text-sm text-slate-600">Choose a Director and where the chain starts.</p>}
            {preview.error && <Alert>{errorText(preview.error, { placed, lead: "No preview" })}</Alert>}
            {plan && preview.data?.graph && <ChainGraphView nodes={preview.data.graph.nodes} edges={preview.data.graph.edges} />}
            {uncopied.length > 0 && (
              <div className="mt-3"><Alert>{uncopied.map((u) => `${u.rule}: ${u.message}`).join(" ")}</Alert></div>
            )}
            {preview.data?.notes && preview.data.notes.length > 0 && (
              <ul className="mt-3 list-disc space-y-0.5 pl-5 text-sm text-slate-700" aria-label="What the chain changes">
                {preview.data.notes.map((n, i) => <li key={i}>{n}</li>)}
              </ul>
            )}
          </Card>
          {plan && preview.data && hops.length > 0 && (
            <Card title="Generated resources">
              <div className="space-y-4" data-testid="chain-resources">
                {preview.data.resources.map((r) => (
                  <ConfigText key={`${r.kind}-${r.name}`} title={`${r.kind} “${r.name}”${r.created ? " (new)" : " (changed)"}`} text={r.text} error={r.error} />
                ))}
                <ValidatorSection titleId="chain-problems-title" problems={preview.data.problems} />
              </div>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}
