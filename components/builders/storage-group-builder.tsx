"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { compareVersions, findDirective, supports, valuesFor } from "@/lib/bacula/tables";
import { resourceDefOf } from "@/lib/bacula/typed";
import { KINDS } from "@/lib/inventory/fields";
import { apiFetch } from "../api";
import { errorText } from "../error-text";
import { Alert, Button, Card, inputClass, PageTitle } from "../ui";
import { useCan } from "../user-context";
import {
  ConfigText,
  fieldErrors,
  InlineProblems,
  ValidatorSection,
  problemsFor,
  SelectInput,
  TextInput,
  useDebounced,
  useOptionList,
  type DirectorOption,
  type NamedOption,
  type PreviewAnswer,
} from "./common";

type Target = "pools" | "jobs";
type Record_ = Record<string, unknown> & { id: number; name: string; storageIds?: number[]; storagePolicy?: string | null; storagePolicyThreshold?: string | null };

const FREE_SPACE = new Set(["FreeSpace", "FreeSpaceLeastUsed"]);
/** Save problems shown next to the builder's inputs. */
const SAVE_PLACED = ["storageIds", "storagePolicy", "storagePolicyThreshold"];

/** The form body the edit form would send for this record, with the storage group replaced. */
function saveBody(kind: Target, record: Record_, storageIds: number[], policy: string, threshold: string) {
  const body: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    if (f.readOnly || f.type === "secret") continue;
    body[f.key] = record[f.key] ?? null;
  }
  body.storageIds = storageIds;
  // The version read: a concurrent save is not overwritten (409).
  body.updatedAt = record.updatedAt;
  body.storagePolicy = policy || null;
  body.storagePolicyThreshold = FREE_SPACE.has(policy) ? threshold || null : null;
  // The version read: a save never overwrites a newer one (409).
  body.updatedAt = record.updatedAt;
  return body;
}

export function StorageGroupBuilder() {
  const canEdit = useCan("operator");
  const qc = useQueryClient();
  const [directorId, setDirectorId] = useState("");
  const [target, setTarget] = useState<Target>("pools");
  const [recordId, setRecordId] = useState("");
  const [storages, setStorages] = useState<string[]>([]);
  const [policy, setPolicy] = useState("");
  const [threshold, setThreshold] = useState("");
  const [pick, setPick] = useState("");
  const [saved, setSaved] = useState(false);

  const directors = useOptionList<DirectorOption>("directors", {});
  const usable = (directors.data ?? []).filter((d) => d.role !== "standby");
  const director = usable.find((d) => String(d.id) === directorId);
  const version = director?.version ?? "";
  const records = useOptionList(target, { directorId }, Boolean(directorId));
  const storageOptions = useOptionList("storages", { directorId }, Boolean(directorId));
  const sds = useOptionList("storage-daemons", {});
  const record = useQuery({
    queryKey: ["record", target, recordId],
    queryFn: () => apiFetch<Record_>(`/api/${target}/${recordId}`),
    enabled: Boolean(recordId),
  });

  // Load the chosen record's group into the builder.
  useEffect(() => {
    if (!record.data) return;
    setStorages(((record.data.storageNames as string[] | undefined) ?? []).slice());
    setPolicy(record.data.storagePolicy ?? "");
    setThreshold(record.data.storagePolicyThreshold ?? "");
  }, [record.data]);
  // A new choice or an edit clears the "Saved" notice.
  const draftKey = JSON.stringify([recordId, storages, policy, threshold]);
  const [savedKey, setSavedKey] = useState("");
  useEffect(() => {
    if (saved && draftKey !== savedKey) setSaved(false);
  }, [draftKey, saved, savedKey]);

  // What this Director's Bacula version offers, from the directive table.
  const kindForSpec = target === "pools" ? "Pool" : "Job";
  const policyDef = useMemo(() => findDirective(resourceDefOf(kindForSpec), "StorageGroupPolicy")!, [kindForSpec]);
  const thresholdDef = useMemo(() => findDirective(resourceDefOf(kindForSpec), "StorageGroupPolicyThreshold")!, [kindForSpec]);
  // The tables start at 13.0: older Directors (9.6) have no storage groups at all.
  const groupsOk = Boolean(version) && compareVersions(version, "13.0") >= 0;
  const policyField = groupsOk ? policyDef : undefined;
  const thresholdField = groupsOk && supports(version, thresholdDef) ? thresholdDef : undefined;
  const policies = groupsOk ? valuesFor(policyDef, version) : [];
  const allPolicies = { values: policyDef.values ?? [], firstVersion: "13.0", valueVersions: policyDef.valueSince ?? {} };

  const recordName = record.data?.name;
  const draft = useMemo(() => {
    if (!director || !recordName) return null;
    const change = {
      name: recordName,
      storage: storages,
      storageGroupPolicy: policy || null,
      storageGroupPolicyThreshold: FREE_SPACE.has(policy) && threshold ? threshold : null,
    };
    return target === "pools"
      ? { directorId: director.id, pools: [change], explain: { pool: recordName } }
      : { directorId: director.id, jobs: [change], explain: { job: recordName } };
  }, [director, recordName, storages, policy, threshold, target]);
  const settled = useDebounced(draft);
  const preview = useQuery({
    queryKey: ["preview", settled],
    queryFn: () => apiFetch<PreviewAnswer>("/api/config/preview", { method: "POST", json: settled }),
    enabled: Boolean(settled),
    placeholderData: (prev) => prev,
    retry: false,
  });

  const nameToId = (n: string) => storageOptions.data?.find((o) => o.name === n)?.id;
  const save = useMutation({
    mutationFn: () => {
      const ids = storages.map(nameToId).filter((x): x is number => x !== undefined);
      return apiFetch<Record_>(`/api/${target}/${recordId}`, { method: "PUT", json: saveBody(target, record.data!, ids, policy, threshold) });
    },
    onSuccess: () => {
      setSaved(true);
      setSavedKey(draftKey);
      void qc.invalidateQueries({ queryKey: ["record", target, recordId] });
      void qc.invalidateQueries({ queryKey: ["list", target] });
    },
    onError: () => setSaved(false),
  });
  const saveErrors = fieldErrors(save.error);
  const draftErrors = fieldErrors(preview.error);

  const sdName = (o?: NamedOption) => sds.data?.find((s) => s.id === o?.storageDaemonId)?.name;
  const storageLabel = (n: string) => {
    const o = storageOptions.data?.find((x) => x.name === n);
    return o ? `${n} (Media Type ${o.mediaType}${sdName(o) ? `, on ${sdName(o)}` : ""})` : n;
  };
  const move = (i: number, d: number) => {
    const next = [...storages];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setStorages(next);
  };
  const resource = recordName ? { kind: kindForSpec, name: recordName } : undefined;
  const storageProblems = problemsFor(preview.data?.problems, "storageIds", resource);
  const policyProblems = problemsFor(preview.data?.problems, "storagePolicy", resource);
  const thresholdProblems = problemsFor(preview.data?.problems, "storagePolicyThreshold", resource);
  const rendered = preview.data?.resources.find((r) => r.kind === kindForSpec && r.name === recordName);
  const noGroups = Boolean(version) && !policyField;
  const label = target === "pools" ? "Pool" : "Job";

  return (
    <>
      <PageTitle subtitle="Group storages on a Pool or a Job, choose how the Director picks one, and see the resource it renders.">Storage group builder</PageTitle>
      <div className="grid gap-4 xl:grid-cols-2">
        <div className="space-y-4">
          <Card title="Where the group goes">
            <div className="grid gap-4 md:grid-cols-2">
              <SelectInput
                id="sg-director"
                label="Director"
                value={directorId}
                onChange={(v) => { setDirectorId(v); setRecordId(""); setStorages([]); setPolicy(""); setThreshold(""); }}
                placeholder="(choose)"
                options={usable.map((d) => ({ value: String(d.id), label: `${d.name} (Bacula ${d.version})` }))}
                help="Standby Directors receive their primary's configuration: build on the primary."
              />
              <fieldset>
                <legend className="mb-1 block text-sm font-medium">Attach the group to</legend>
                <div className="flex gap-4 pt-1 text-sm">
                  {(["pools", "jobs"] as const).map((t) => (
                    <label key={t} className="flex items-center gap-1">
                      <input type="radio" name="sg-target" value={t} checked={target === t} onChange={() => { setTarget(t); setRecordId(""); }} />
                      {t === "pools" ? "a Pool" : "a Job"}
                    </label>
                  ))}
                </div>
              </fieldset>
              <SelectInput
                id="sg-record"
                label={label}
                value={recordId}
                onChange={setRecordId}
                disabled={!directorId}
                placeholder={directorId ? "(choose)" : "(choose the Director first)"}
                options={(records.data ?? []).map((r) => ({ value: String(r.id), label: r.name }))}
                help={target === "pools" ? "A Pool's Storage list wins over its Jobs' lists." : "Used only when the Job's Pool has no Storage."}
              />
            </div>
          </Card>

          {recordId && record.data && (
            <Card title={`Storage group of ${label} “${record.data.name}”`}>
              <fieldset className="space-y-4">
                <legend className="sr-only">Storage group</legend>
                <div role="group" aria-labelledby="sg-storages-label" aria-describedby={[storageProblems.length ? "sg-storages-problems" : "", saveErrors.storageIds ? "sg-storages-error" : "", "sg-storages-help"].filter(Boolean).join(" ")}>
                  <p id="sg-storages-label" className="mb-1 text-sm font-medium">Storages, in order</p>
                  <ol className="mb-2 space-y-1" data-testid="sg-storages">
                    {storages.length === 0 && <li className="text-sm text-slate-500">No storage yet.</li>}
                    {storages.map((s, i) => (
                      <li key={s} className="flex items-center gap-2 rounded border border-slate-200 bg-slate-50 px-2 py-1 text-sm">
                        <span className="w-6 text-slate-500">{i + 1}.</span>
                        <span className="flex-1">{storageLabel(s)}</span>
                        <Button type="button" variant="ghost" aria-label={`Move ${s} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</Button>
                        <Button type="button" variant="ghost" aria-label={`Move ${s} down`} disabled={i === storages.length - 1} onClick={() => move(i, 1)}>↓</Button>
                        <Button type="button" variant="ghost" aria-label={`Remove ${s}`} onClick={() => setStorages(storages.filter((x) => x !== s))}>✕</Button>
                      </li>
                    ))}
                  </ol>
                  <div className="flex gap-2">
                    <label htmlFor="sg-add" className="sr-only">Storage to add</label>
                    <select id="sg-add" className={inputClass} value={pick} onChange={(e) => setPick(e.target.value)}>
                      <option value="">(storage to add)</option>
                      {(storageOptions.data ?? []).filter((o) => !storages.includes(o.name)).map((o) => (
                        <option key={o.id} value={o.name}>{storageLabel(o.name)}</option>
                      ))}
                    </select>
                    <Button type="button" variant="secondary" disabled={!pick} onClick={() => { setStorages([...storages, pick]); setPick(""); }}>Add</Button>
                  </div>
                  <p id="sg-storages-help" className="mt-1 text-xs text-slate-600">Use the arrows to order the list: ListedOrder tries it from the top.</p>
                  {saveErrors.storageIds && <p id="sg-storages-error" className="mt-1 text-sm text-red-700">Storages: {saveErrors.storageIds}</p>}
                  <InlineProblems id="sg-storages-problems" problems={storageProblems} />
                </div>

                {noGroups ? (
                  <Alert kind="info">
                    Bacula {version} has no storage groups (they arrived in {allPolicies?.firstVersion ?? "13.0"}): it accepts a list of
                    storages but uses only the first one, and refuses the StorageGroupPolicy directive. Upgrade the Director to choose a policy.
                  </Alert>
                ) : (
                  <div className="grid gap-4 md:grid-cols-2">
                    <div>
                      <SelectInput
                        id="sg-policy"
                        label="Storage group policy"
                        value={policy}
                        onChange={setPolicy}
                        placeholder="(none: ListedOrder)"
                        options={policies.map((p) => ({ value: p, label: p }))}
                        error={saveErrors.storagePolicy}
                        describedByExtra={policyProblems.length ? "sg-policy-problems" : undefined}
                        help={`Bacula ${version} offers ${policies.join(", ")}.${policies.length < (allPolicies?.values?.length ?? 0) ? ` ${(allPolicies?.values ?? []).filter((v) => !policies.includes(v)).join(", ")} need Bacula ${allPolicies?.valueVersions?.FreeSpace ?? "15.0"}.` : ""}`}
                      />
                      <InlineProblems id="sg-policy-problems" problems={policyProblems} />
                    </div>
                    {thresholdField && FREE_SPACE.has(policy) && (
                      <div>
                        <TextInput
                          id="sg-threshold"
                          label="Policy threshold"
                          value={threshold}
                          onChange={setThreshold}
                          placeholder="100G"
                          error={saveErrors.storagePolicyThreshold ?? draftErrors[`${target}.0.storageGroupPolicyThreshold`]}
                          describedByExtra={thresholdProblems.length ? "sg-threshold-problems" : undefined}
                          help="Free space a storage needs to be preferred, e.g. 100G."
                        />
                        <InlineProblems id="sg-threshold-problems" problems={thresholdProblems} />
                      </div>
                    )}
                  </div>
                )}
              </fieldset>
              <div className="mt-4 flex items-center gap-2">
                {canEdit ? (
                  <Button type="button" onClick={() => { setSaved(false); save.mutate(); }} disabled={save.isPending || !record.data}>
                    {save.isPending ? "Saving…" : `Save ${label.toLowerCase()}`}
                  </Button>
                ) : (
                  <p className="text-sm text-slate-600">You have read-only access (viewer role): preview only.</p>
                )}
              </div>
              <div className="mt-2 space-y-2">
                {save.error && <Alert>{errorText(save.error, { placed: SAVE_PLACED, lead: "Not saved" })}</Alert>}
                {saved && <Alert kind="success">Saved. The model now holds this storage group.</Alert>}
              </div>
            </Card>
          )}
        </div>

        <div className="space-y-4">
          <Card title="Live preview">
            {!draft && <p className="text-sm text-slate-600">Choose a Director and a {label.toLowerCase()} to see the rendered resource.</p>}
            {preview.error && <Alert>{errorText(preview.error, { placed: [`${target}.0.storageGroupPolicyThreshold`], lead: "No preview" })}</Alert>}
            {draft && preview.data && rendered && (
              <div className="space-y-4" aria-live="polite">
                <ConfigText title={`Rendered ${label} resource`} text={rendered.text} error={rendered.error} testId="rendered-resource" />
                <section aria-labelledby="sg-explain-title">
                  <h3 id="sg-explain-title" className="mb-1 text-sm font-medium text-slate-700">How the Director chooses a storage</h3>
                  <div data-testid="explanation" className="space-y-1 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950">
                    {preview.data.explanation?.lines.map((l, i) => <p key={i}>{l}</p>)}
                  </div>
                </section>
                <ValidatorSection titleId="sg-problems-title" problems={preview.data.problems} />
              </div>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
