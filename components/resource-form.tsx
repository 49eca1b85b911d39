"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { Controller, useFieldArray, useForm, type Control, type FieldValues, type Resolver, type UseFormRegister } from "react-hook-form";
import { KINDS, MESSAGE_KINDS, RUNS_WHEN, labelOfField, type FieldDef, type KindKey } from "@/lib/inventory/fields";
import { KINDS as KIND_SPECS, resourceDefOf } from "@/lib/bacula/typed";
import type { ViewItem } from "@/lib/inventory/view-items";
import { DirectivesEditor } from "./directives-editor";
import { policyFirstVersion } from "@/lib/inventory/policies";
import { versionAtLeast } from "@/lib/inventory/rules";
import { supports } from "@/lib/bacula/tables";
import { defaultValues, inputSchema } from "@/lib/inventory/schema";
import { configPagesOf } from "@/lib/config/daemon-kinds";
import { ApiError, apiFetch, type FieldProblem } from "./api";
import { errorText } from "./error-text";
import { labelled } from "@/lib/http/field-label";
import { FencingRequirements } from "./fencing-requirements";
import { HostKeyDialog } from "./host-key-dialog";
import { Alert, Button, Card, inputClass, PageTitle } from "./ui";
import { useCan } from "./user-context";

type Values = Record<string, unknown>;
interface Option {
  id: number;
  name: string;
  autochanger?: boolean;
  directorId?: number;
  storageDaemonId?: number;
  mediaType?: string;
  role?: string;
  version?: string;
}

const fid = (key: string) => `field-${key}`;

/** Whether version `a` (an updatedAt) is newer than `b`. */
function isNewer(a: unknown, b: unknown): boolean {
  const ta = typeof a === "string" ? Date.parse(a) : NaN;
  const tb = typeof b === "string" ? Date.parse(b) : NaN;
  return Number.isFinite(ta) && (!Number.isFinite(tb) || ta > tb);
}

function useOptions(kind: KindKey | undefined, filter: Record<string, unknown>, enabled = true) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== null && v !== undefined && v !== "") params.set(k, String(v));
  return useQuery({
    queryKey: ["options", kind, params.toString()],
    queryFn: () => apiFetch<{ items: Option[] }>(`/api/${kind}/options?${params}`).then((r) => r.items),
    enabled: Boolean(kind) && enabled,
  });
}

/** Record values as the form holds them: numbers and nulls as strings where inputs need strings. */
function toFormValues(kind: KindKey, record: Values): Values {
  const out = defaultValues(kind);
  for (const f of KINDS[kind].fields) {
    if (f.readOnly) continue;
    const v = record[f.key];
    if (f.type === "secret") out[f.key] = "";
    else if (f.type === "tribool") out[f.key] = v === true ? "yes" : v === false ? "no" : "";
    else if (v === null || v === undefined) out[f.key] = f.type === "bool" ? false : (out[f.key] ?? "");
    else out[f.key] = v;
  }
  return out;
}

/** The daemon and resource type whose directives a record holds (for the directive editor). */
function directiveScope(kind: KindKey, values: Values): { daemon: "dir" | "sd"; type: string } | undefined {
  const rk = KINDS[kind].resourceKind;
  if (rk) return { daemon: KIND_SPECS[rk].daemon as "dir" | "sd", type: resourceDefOf(rk).name };
  if (kind === "resources") {
    const type = String(values.type ?? "");
    if (!type) return undefined;
    return { daemon: values.storageDaemonId ? "sd" : "dir", type };
  }
  return undefined;
}

export function ResourceForm({ kind, id }: { kind: KindKey; id?: number }) {
  const meta = KINDS[kind];
  const router = useRouter();
  const qc = useQueryClient();
  const canEdit = useCan("operator");
  const isAdmin = useCan("admin");
  const mode = id ? "update" : "create";
  const schema = useMemo(() => inputSchema(kind, mode), [kind, mode]);
  const record = useQuery({
    queryKey: ["record", kind, id],
    queryFn: () => apiFetch<Values>(`/api/${kind}/${id}`),
    enabled: Boolean(id),
    // Always the stored record when a form opens (never the cache of before a save).
    staleTime: 0,
    refetchOnMount: "always",
  });
  // The record the form shows and the version it will save over (updatedAt).
  const [base, setBase] = useState<Values | null>(null);
  const formValues = useMemo(() => (base ? toFormValues(kind, base) : undefined), [base, kind]);
  const form = useForm<Values>({
    resolver: zodResolver(schema as never) as unknown as Resolver<Values>,
    defaultValues: defaultValues(kind),
    // A record that arrives later fills the fields the user has not touched; it never resets typing.
    values: formValues,
    resetOptions: { keepDirtyValues: true },
    mode: "onTouched",
    reValidateMode: "onChange",
  });
  const { register, handleSubmit, control, formState, reset, setError, watch } = form;
  const { isDirty } = formState;
  useEffect(() => {
    if (!record.data) return;
    if (!base || base.id !== record.data.id) setBase(record.data);
    // A newer version arrived (the cache was older than the stored record): shown while the user has
    // not typed. Once they have, their save carries the version they read and a newer one refuses it (409).
    else if (!isDirty && isNewer(record.data.updatedAt, base.updatedAt)) setBase(record.data);
  }, [record.data, base, isDirty]);
  const [topError, setTopError] = useState<string | null>(null);
  const [stale, setStale] = useState<Values | null>(null);
  const [saved, setSaved] = useState(false);
  const [warnings, setWarnings] = useState<FieldProblem[]>([]);
  const [textOk, setTextOk] = useState(true);
  const [hostKeyOpen, setHostKeyOpen] = useState(false);

  const save = useMutation({
    mutationFn: (values: Values) =>
      apiFetch<Values>(id ? `/api/${kind}/${id}` : `/api/${kind}`, {
        method: id ? "PUT" : "POST",
        json: id ? { ...values, updatedAt: base?.updatedAt } : values,
      }),
    onSuccess: (result) => {
      setTopError(null);
      setStale(null);
      setSaved(true);
      setWarnings((result.warnings as FieldProblem[] | undefined) ?? []);
      void qc.invalidateQueries({ queryKey: ["list", kind] });
      void qc.invalidateQueries({ queryKey: ["options", kind] });
      if (!id) {
        router.push(`/inventory/${kind}/${String(result.id)}`);
        return;
      }
      // What was saved is what the form (and the next visit) shows.
      qc.setQueryData(["record", kind, id], result);
      setBase(result);
      reset(toFormValues(kind, result), { keepDirtyValues: false });
    },
    onError: (err) => {
      setSaved(false);
      setWarnings([]);
      if (err instanceof ApiError) {
        if (err.status === 409 && err.fields.some((f) => f.rule === "stale")) {
          setStale((err.body.current as Values | undefined) ?? null);
          setTopError(err.message);
          return;
        }
        const shown = new Set(meta.fields.map((f) => f.key));
        const unplaced: string[] = [];
        for (const f of err.fields) {
          const key = f.field.split(/[.[]/)[0];
          if (shown.has(key)) setError(key, { type: f.rule, message: f.message });
          else unplaced.push(labelled(f.label ?? labelOfField(kind, f.field), f.message));
        }
        setTopError(
          err.fields.length > 0 && unplaced.length === 0
            ? "Not saved: some fields need attention (see the messages below them)."
            : unplaced.length > 0
              ? `Not saved: ${unplaced.join("; ")}`
              : `Not saved: ${err.message}`,
        );
      } else setTopError("Saving failed: the server did not answer.");
    },
  });

  const values = watch();
  const directorId = values.directorId;
  const storageDaemonId = values.storageDaemonId;
  const directors = useOptions("directors", {}, meta.directorScoped || kind === "directors");
  const director = directors.data?.find((d) => d.id === Number(directorId));
  const scope = directiveScope(kind, values);

  if (id && record.isLoading) return <p aria-busy="true">Loading…</p>;
  if (id && record.error) return <Alert>{errorText(record.error, { lead: `Cannot open the ${meta.label.toLowerCase()}` })}</Alert>;

  // A host key pin changes only the read-only pinned key: the form adopts the pinned version (typing kept).
  const adoptFresh = async () => {
    if (!id) return;
    const fresh = await apiFetch<Values>(`/api/${kind}/${id}`);
    qc.setQueryData(["record", kind, id], fresh);
    setBase(fresh);
  };
  const configPages = id ? configPagesOf(kind, id) : [];

  const errorOf = (key: string) => formState.errors[key]?.message as string | undefined;
  const readOnlyForm = !canEdit;

  return (
    <>
      <PageTitle
        subtitle={meta.description}
        actions={
          configPages.length > 0 && (
            <>
              {configPages.map((p) => (
                <Link key={p.kind} href={p.href} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm">
                  Generated {p.file}
                </Link>
              ))}
            </>
          )
        }
      >
        {id ? `${meta.label} “${String(base?.name ?? record.data?.name ?? "")}”` : `New ${meta.label}`}
      </PageTitle>
      <form
        noValidate
        aria-label={`${meta.label} form`}
        onSubmit={handleSubmit(
          (v) => {
            setSaved(false);
            if (!textOk) {
              setTopError("Not saved: the directives text has errors (see the messages under it).");
              return;
            }
            save.mutate(v);
          },
          () => setTopError("Not saved: some fields need attention (see the messages below them)."),
        )}
        className="max-w-3xl space-y-4"
      >
        <Card>
          <fieldset disabled={readOnlyForm} className="grid gap-4 md:grid-cols-2">
            <legend className="sr-only">{meta.label}</legend>
            {meta.fields.map((f) => (
              <FieldInput
                key={f.key}
                field={f}
                kind={kind}
                register={register}
                control={control}
                error={errorOf(f.key)}
                record={base ?? undefined}
                directorId={directorId}
                storageDaemonId={storageDaemonId}
                directorVersion={director?.version}
                scope={scope}
                onTextValidity={setTextOk}
                disabled={Boolean(f.adminOnly) && !isAdmin}
              />
            ))}
          </fieldset>
        </Card>
        {kind === "catalog-members" && (
          // Beside the SSH host field (the form's last): what promotion needs from the chosen host.
          <FencingRequirements
            id="fencing-requirements"
            hostId={values.hostId}
            adminUser={values.adminUser}
            dbName={values.dbName}
            dataDirectory={values.dataDirectory}
            pgBinDir={values.pgBinDir}
          />
        )}
        {kind === "hosts" && id && (
          <div className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-white p-3 text-sm" data-testid="host-key-panel">
            <Button type="button" variant="secondary" onClick={() => setHostKeyOpen(true)}>
              {base?.hostKeyFingerprint ? "Check the host key" : "Confirm and pin the host key"}
            </Button>
            <span className="text-xs text-slate-600">Reads the key the host presents now; compare it with the one printed on the host before you pin it. Replacing a pinned key needs an admin.</span>
          </div>
        )}
        {topError && (
          <Alert>
            {topError}
            {stale && (
              <div className="mt-2">
                <Button
                  type="button"
                  variant="secondary"
                  onClick={() => {
                    qc.setQueryData(["record", kind, id], stale);
                    setBase(stale);
                    // Drops the typing too (a reset keeps dirty values by default: the form's resetOptions).
                    reset(toFormValues(kind, stale), { keepDirtyValues: false });
                    setStale(null);
                    setTopError(null);
                  }}
                >
                  Load the newer version (your unsaved changes are dropped)
                </Button>
              </div>
            )}
          </Alert>
        )}
        {saved && <Alert kind="success">Saved.</Alert>}
        {warnings.length > 0 && (
          <Alert kind="warning">
            <p>Saved, but Bacula would run this badly:</p>
            <ul className="list-disc pl-5">
              {warnings.map((w, i) => <li key={i}>{labelled(w.label ?? labelOfField(kind, w.field), w.message)}</li>)}
            </ul>
          </Alert>
        )}
        <div className="flex gap-2">
          {canEdit ? (
            <Button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : id ? "Save changes" : `Create ${meta.label}`}</Button>
          ) : (
            <p className="text-sm text-slate-600">You have read-only access (viewer role).</p>
          )}
          <Link href={`/inventory/${kind}`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm">Back to {meta.plural}</Link>
        </div>
      </form>
      {hostKeyOpen && id && <HostKeyDialog hostId={id} onClose={() => setHostKeyOpen(false)} onPinned={() => void adoptFresh()} />}
    </>
  );
}

interface FieldInputProps {
  field: FieldDef;
  kind: KindKey;
  register: UseFormRegister<Values>;
  control: Control<Values>;
  error?: string;
  record?: Values;
  directorId: unknown;
  storageDaemonId: unknown;
  directorVersion?: string;
  scope?: { daemon: "dir" | "sd"; type: string };
  onTextValidity?: (ok: boolean) => void;
  disabled?: boolean;
}

function Described({ field, error, children, wide }: { field: FieldDef; error?: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? "md:col-span-2" : undefined}>
      {children}
      {field.help && <p id={`${fid(field.key)}-help`} className="mt-1 text-xs text-slate-600">{field.help}</p>}
      {error && <p id={`${fid(field.key)}-error`} className="mt-1 text-sm text-red-700">{labelled(field.label, error)}</p>}
    </div>
  );
}

function describedBy(field: FieldDef, error?: string) {
  return [field.help ? `${fid(field.key)}-help` : null, error ? `${fid(field.key)}-error` : null].filter(Boolean).join(" ") || undefined;
}

function Label({ field }: { field: FieldDef }) {
  return (
    <label htmlFor={fid(field.key)} className="mb-1 block text-sm font-medium">
      {field.label}
      {field.required && <span aria-hidden="true" className="text-red-600"> *</span>}
    </label>
  );
}

function FieldInput(props: FieldInputProps) {
  const { field, register, control, error, record, scope, disabled } = props;
  const common = {
    id: fid(field.key),
    "aria-invalid": Boolean(error),
    "aria-describedby": describedBy(field, error),
    "aria-required": field.required || undefined,
    className: inputClass,
    disabled: disabled || undefined,
  };
  if (field.readOnly) {
    return (
      <Described field={field}>
        <Label field={field} />
        <input {...common} readOnly value={String(record?.[field.key] ?? "not set")} />
      </Described>
    );
  }
  switch (field.type) {
    case "tribool":
      return (
        <Described field={field} error={error}>
          <Label field={field} />
          <select {...common} {...register(field.key)}>
            <option value="">{field.placeholder ? `(not set: ${field.placeholder})` : "(not set: Bacula's default)"}</option>
            <option value="yes">yes</option>
            <option value="no">no</option>
          </select>
        </Described>
      );
    case "deviceName":
      return <DeviceNameInput {...props} common={common} />;
    case "directives":
    case "items":
      if (!scope) {
        return (
          <Described field={field} error={error} wide>
            <Label field={field} />
            <p className="text-sm text-slate-600">Choose the resource type and its daemon first.</p>
          </Described>
        );
      }
      return (
        <Described field={field} error={error} wide>
          <Label field={field} />
          <Controller
            control={control}
            name={field.key}
            render={({ field: f }) => (
              <DirectivesEditor
                id={fid(field.key)}
                label={field.label}
                value={(f.value as ViewItem[] | undefined) ?? []}
                onChange={f.onChange}
                onBlur={f.onBlur}
                daemon={scope.daemon}
                type={scope.type}
                describedBy={describedBy(field, error)}
                disabled={disabled}
                onValidity={props.onTextValidity}
              />
            )}
          />
        </Described>
      );
    case "bool":
      return (
        <Described field={field} error={error}>
          <div className="flex items-center gap-2 pt-6">
            <input type="checkbox" id={fid(field.key)} aria-describedby={describedBy(field, error)} {...register(field.key)} />
            <label htmlFor={fid(field.key)} className="text-sm font-medium">{field.label}</label>
          </div>
        </Described>
      );
    case "enum":
      return <EnumInput {...props} common={common} />;
    case "ref":
      return <RefInput {...props} common={common} />;
    case "secret": {
      const isSet = Boolean(record?.[`${field.key}Set`]);
      return (
        <Described field={field} error={error} wide={field.key === "privateKey"}>
          <Label field={field} />
          {field.key === "privateKey" ? (
            <textarea {...common} rows={4} autoComplete="off" spellCheck={false} placeholder={isSet ? "A key is stored. Paste a new one to replace it." : "-----BEGIN OPENSSH PRIVATE KEY-----"} {...register(field.key)} />
          ) : (
            <input {...common} type="password" autoComplete="new-password" placeholder={isSet ? "Stored (leave blank to keep)" : ""} {...register(field.key)} />
          )}
        </Described>
      );
    }
    case "stringList":
      return (
        <Described field={field} error={error} wide>
          <Label field={field} />
          <Controller
            control={control}
            name={field.key}
            render={({ field: f }) => (
              <textarea
                {...common}
                rows={4}
                value={Array.isArray(f.value) ? (f.value as string[]).join("\n") : ""}
                onChange={(e) => f.onChange(e.target.value.split("\n").filter((l, i, all) => l.trim() !== "" || i === all.length - 1))}
                onBlur={() => { f.onChange(((f.value as string[]) ?? []).filter((l) => l.trim() !== "")); f.onBlur(); }}
              />
            )}
          />
        </Described>
      );
    case "storageList":
      return <StorageListInput {...props} />;
    case "destinations":
      return <DestinationsInput {...props} />;
    case "runScripts":
      return <RunScriptsInput {...props} />;
    case "int":
      return (
        <Described field={field} error={error}>
          <Label field={field} />
          <input {...common} type="number" inputMode="numeric" {...register(field.key)} />
        </Described>
      );
    default:
      return (
        <Described field={field} error={error}>
          <Label field={field} />
          <input {...common} type="text" placeholder={field.placeholder} {...register(field.key)} />
        </Described>
      );
  }
}

type WithCommon = FieldInputProps & { common: Record<string, unknown> };

function EnumInput({ field, register, error, common, directorVersion }: WithCommon) {
  let values = [...(field.enumValues ?? [])];
  // The policies offered follow the Director's Bacula version.
  if (field.key === "storagePolicy" && directorVersion) {
    values = values.filter((v) => versionAtLeast(directorVersion, policyFirstVersion(v) ?? "0"));
  } else if (field.directive && directorVersion) {
    values = values.filter((v) => supports(directorVersion, field.directive!.def, v));
  }
  return (
    <Described field={field} error={error}>
      <Label field={field} />
      <select {...common} {...register(field.key)}>
        {!field.required && <option value="">(none)</option>}
        {values.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
      {field.key === "storagePolicy" && directorVersion && values.length === 0 && (
        <p className="mt-1 text-xs text-amber-800">Bacula {directorVersion} has no storage groups (they need 13.0).</p>
      )}
    </Described>
  );
}

function DeviceNameInput({ field, register, error, common, storageDaemonId }: WithCommon) {
  const options = useOptions("devices", { storageDaemonId }, Boolean(storageDaemonId));
  return (
    <Described field={field} error={error}>
      <Label field={field} />
      <select {...common} {...register(field.key)}>
        <option value="">{storageDaemonId ? "(choose)" : "(choose the Storage Daemon first)"}</option>
        {options.data?.map((o) => <option key={`${o.id}`} value={o.name}>{o.name}{o.autochanger ? " (autochanger)" : o.mediaType ? ` (${o.mediaType})` : ""}</option>)}
      </select>
    </Described>
  );
}

function RefInput({ field, kind, register, error, common, directorId, storageDaemonId }: WithCommon) {
  const filter: Record<string, unknown> = {};
  if (field.sameDirector) filter.directorId = directorId;
  if (kind === "storages" && field.key === "deviceId") filter.storageDaemonId = storageDaemonId;
  const waiting = (field.sameDirector && !directorId) || (kind === "storages" && field.key === "deviceId" && !storageDaemonId);
  const options = useOptions(field.ref, filter, !waiting);
  return (
    <Described field={field} error={error}>
      <Label field={field} />
      <select {...common} {...register(field.key)}>
        <option value="">{waiting ? "(choose the Director or SD first)" : field.required ? "(choose)" : "(none)"}</option>
        {options.data?.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
      </select>
    </Described>
  );
}

function StorageListInput({ field, control, error, directorId }: FieldInputProps) {
  const options = useOptions("storages", { directorId }, Boolean(directorId));
  const [pick, setPick] = useState("");
  return (
    <Described field={field} error={error} wide>
      <Controller
        control={control}
        name={field.key}
        render={({ field: f }) => {
          const ids = ((f.value as (number | string)[]) ?? []).map(Number);
          const nameOf = (sid: number) => options.data?.find((o) => o.id === sid)?.name ?? `#${sid}`;
          const move = (i: number, d: number) => {
            const next = [...ids];
            [next[i], next[i + d]] = [next[i + d], next[i]];
            f.onChange(next);
          };
          return (
            <div role="group" aria-labelledby={`${fid(field.key)}-label`} aria-describedby={describedBy(field, error)}>
              <p id={`${fid(field.key)}-label`} className="mb-1 block text-sm font-medium">{field.label}</p>
              <ol className="mb-2 space-y-1" data-testid="storage-group">
                {ids.length === 0 && <li className="text-sm text-slate-500">No storage yet.</li>}
                {ids.map((sid, i) => (
                  <li key={sid} className="flex items-center gap-2 rounded border border-slate-200 bg-slate-50 px-2 py-1 text-sm">
                    <span className="w-6 text-slate-500">{i + 1}.</span>
                    <span className="flex-1">{nameOf(sid)}</span>
                    <Button type="button" variant="ghost" aria-label={`Move ${nameOf(sid)} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</Button>
                    <Button type="button" variant="ghost" aria-label={`Move ${nameOf(sid)} down`} disabled={i === ids.length - 1} onClick={() => move(i, 1)}>↓</Button>
                    <Button type="button" variant="ghost" aria-label={`Remove ${nameOf(sid)}`} onClick={() => f.onChange(ids.filter((x) => x !== sid))}>✕</Button>
                  </li>
                ))}
              </ol>
              <div className="flex gap-2">
                <label htmlFor={fid(field.key)} className="sr-only">Storage to add</label>
                <select id={fid(field.key)} className={inputClass} value={pick} onChange={(e) => setPick(e.target.value)} disabled={!directorId}>
                  <option value="">{directorId ? "(storage to add)" : "(choose the Director first)"}</option>
                  {options.data?.filter((o) => !ids.includes(o.id)).map((o) => <option key={o.id} value={o.id}>{o.name} ({o.mediaType})</option>)}
                </select>
                <Button type="button" variant="secondary" disabled={!pick} onClick={() => { f.onChange([...ids, Number(pick)]); setPick(""); }}>Add</Button>
              </div>
            </div>
          );
        }}
      />
    </Described>
  );
}

function DestinationsInput({ field, control, register, error }: FieldInputProps) {
  const { fields, append, remove } = useFieldArray({ control: control as Control<FieldValues>, name: field.key });
  return (
    <Described field={field} error={error} wide>
      <fieldset className="space-y-2">
        <legend className="mb-1 text-sm font-medium">{field.label}</legend>
        {fields.map((row, i) => (
          <div key={row.id} className="grid grid-cols-[9rem_1fr_1fr_auto] gap-2">
            <label className="sr-only" htmlFor={`dest-${i}-kind`}>Destination {i + 1} kind</label>
            <select id={`dest-${i}-kind`} className={inputClass} {...register(`${field.key}.${i}.kind`)}>
              {MESSAGE_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
            <label className="sr-only" htmlFor={`dest-${i}-where`}>Destination {i + 1} address or file</label>
            <input id={`dest-${i}-where`} className={inputClass} placeholder="file, address or director name" {...register(`${field.key}.${i}.where`)} />
            <label className="sr-only" htmlFor={`dest-${i}-types`}>Destination {i + 1} message types</label>
            <input id={`dest-${i}-types`} className={inputClass} placeholder="all, !skipped" {...register(`${field.key}.${i}.types`)} />
            <Button type="button" variant="ghost" aria-label={`Remove destination ${i + 1}`} onClick={() => remove(i)}>✕</Button>
          </div>
        ))}
        <Button type="button" variant="secondary" onClick={() => append({ kind: "console", where: "", types: "all" })}>Add destination</Button>
      </fieldset>
    </Described>
  );
}

function RunScriptsInput({ field, control, register, error }: FieldInputProps) {
  const { fields, append, remove } = useFieldArray({ control: control as Control<FieldValues>, name: field.key });
  return (
    <Described field={field} error={error} wide>
      <fieldset className="space-y-2">
        <legend className="mb-1 text-sm font-medium">{field.label}</legend>
        {fields.map((row, i) => (
          <div key={row.id} className="space-y-2 rounded border border-slate-200 p-2">
            <div className="grid grid-cols-[9rem_1fr_auto] gap-2">
              <label className="sr-only" htmlFor={`rs-${i}-when`}>RunScript {i + 1} runs when</label>
              <select id={`rs-${i}-when`} className={inputClass} {...register(`${field.key}.${i}.runsWhen`)}>
                {RUNS_WHEN.map((k) => <option key={k} value={k}>{k}</option>)}
              </select>
              <label className="sr-only" htmlFor={`rs-${i}-command`}>RunScript {i + 1} command</label>
              <input id={`rs-${i}-command`} className={inputClass} placeholder="/etc/bacula/scripts/replicate-config.sh" {...register(`${field.key}.${i}.command`)} />
              <Button type="button" variant="ghost" aria-label={`Remove RunScript ${i + 1}`} onClick={() => remove(i)}>✕</Button>
            </div>
            <div className="flex flex-wrap gap-4 text-sm">
              {(["runsOnClient", "runsOnSuccess", "runsOnFailure", "failJobOnError"] as const).map((k) => (
                <label key={k} className="flex items-center gap-1"><input type="checkbox" {...register(`${field.key}.${i}.${k}`)} />{k}</label>
              ))}
            </div>
          </div>
        ))}
        <Button type="button" variant="secondary" onClick={() => append({ runsWhen: "Before", runsOnClient: false, runsOnSuccess: true, runsOnFailure: false, failJobOnError: true, command: "" })}>Add RunScript</Button>
      </fieldset>
    </Described>
  );
}
