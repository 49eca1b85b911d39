"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { fieldForModelKey, KINDS, KIND_ORDER } from "@/lib/inventory/fields";
import { fieldLabel } from "@/lib/http/field-label";
import { apiFetch, ApiError, type FieldProblem } from "../api";
import { Badge, inputClass } from "../ui";

export interface DirectorOption {
  id: number;
  name: string;
  role?: string;
  version?: string;
}

export interface NamedOption {
  id: number;
  name: string;
  mediaType?: string;
  storageDaemonId?: number;
  directorId?: number;
}

export interface Problem {
  resource: string;
  name: string;
  field: string;
  formField: string;
  rule: string;
  message: string;
  severity: "error" | "warning";
}

export interface RenderedResource {
  kind: "Pool" | "Job" | "Storage";
  name: string;
  created: boolean;
  text: string | null;
  error?: { field: string; message: string };
}

export interface Explanation {
  storages: string[];
  policy: string;
  lines: string[];
  text: string;
}

export interface PreviewAnswer {
  ok: boolean;
  director: { id: number; name: string; version: string };
  revision: number;
  resources: RenderedResource[];
  problems: Problem[];
  explanation: Explanation | null;
  notes?: string[];
  graph?: { nodes: GraphNodeData[]; edges: GraphEdgeData[] };
}

export interface GraphNodeData {
  id: string;
  kind: "job" | "copy-job" | "clone-job" | "pool" | "storage" | "sd";
  label: string;
  detail?: string;
  draft: boolean;
}

export interface GraphEdgeData {
  id: string;
  source: string;
  target: string;
  kind: string;
  label: string;
}

export function useOptionList<T = NamedOption>(kind: string, filter: Record<string, unknown>, enabled = true) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  return useQuery({
    queryKey: ["options", kind, params.toString()],
    queryFn: () => apiFetch<{ items: T[] }>(`/api/${kind}/options?${params}`).then((r) => r.items),
    enabled,
  });
}

/** A value that settles `ms` after the last change (live previews do not fire on every key). */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ms]);
  return settled;
}

/** Field errors of an API answer, by field path. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) for (const f of err.fields as FieldProblem[]) out[f.field] ??= f.message;
  return out;
}

function describedBy(id: string, help?: ReactNode, error?: string, extra?: string) {
  return [help ? `${id}-help` : null, error ? `${id}-error` : null, extra ?? null].filter(Boolean).join(" ") || undefined;
}

export function FieldShell({ id, label, help, error, children, className }: { id: string; label: string; help?: ReactNode; error?: string; children: ReactNode; className?: string }) {
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">{label}</label>
      {children}
      {help && <p id={`${id}-help`} className="mt-1 text-xs text-slate-600">{help}</p>}
      {error && <p id={`${id}-error`} className="mt-1 text-sm text-red-700">{label}: {error}</p>}
    </div>
  );
}

export function TextInput({ id, label, value, onChange, help, error, placeholder, describedByExtra, disabled, className }: {
  id: string; label: string; value: string; onChange: (v: string) => void; help?: ReactNode; error?: string; placeholder?: string; describedByExtra?: string; disabled?: boolean; className?: string;
}) {
  return (
    <FieldShell id={id} label={label} help={help} error={error} className={className}>
      <input
        id={id}
        type="text"
        className={inputClass}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={Boolean(error)}
        aria-describedby={describedBy(id, help, error, describedByExtra)}
        onChange={(e) => onChange(e.target.value)}
      />
    </FieldShell>
  );
}

export function SelectInput({ id, label, value, onChange, options, help, error, placeholder, describedByExtra, disabled, className }: {
  id: string; label: string; value: string; onChange: (v: string) => void; options: { value: string; label: string }[]; help?: ReactNode; error?: string; placeholder?: string; describedByExtra?: string; disabled?: boolean; className?: string;
}) {
  return (
    <FieldShell id={id} label={label} help={help} error={error} className={className}>
      <select
        id={id}
        className={inputClass}
        value={value}
        disabled={disabled}
        aria-invalid={Boolean(error)}
        aria-describedby={describedBy(id, help, error, describedByExtra)}
        onChange={(e) => onChange(e.target.value)}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </FieldShell>
  );
}

export function ConfigText({ title, text, testId, error }: { title: string; text: string | null; testId?: string; error?: { field: string; message: string } }) {
  return (
    <figure className="space-y-1">
      <figcaption className="text-sm font-medium text-slate-700">{title}</figcaption>
      {text !== null ? (
        <pre data-testid={testId} aria-label={title} tabIndex={0} className="max-h-96 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100">{text}</pre>
      ) : (
        <p className="text-sm text-red-700">Cannot be written: {error?.message}</p>
      )}
    </figure>
  );
}

/** A validator problem's field as the inventory form labels it ("Selection type", not "selectionType"). */
export function problemFieldLabel(p: Pick<Problem, "resource" | "field">): string {
  const kind = KIND_ORDER.find((k) => KINDS[k].resourceKind === p.resource);
  const key = p.field.replace(/^directives\./, "").split(/[.[]/)[0];
  return (kind && fieldForModelKey(kind, key)?.label) ?? fieldLabel(key);
}

/** The validator's problems, each naming its resource, field (by its label) and rule. */
export function ProblemList({ problems, id, empty = "The validator finds nothing to report." }: { problems: Problem[]; id?: string; empty?: string }) {
  if (problems.length === 0) return <p id={id} className="text-sm text-emerald-800" role="status">{empty}</p>;
  return (
    <ul id={id} className="space-y-1" data-testid="problems" aria-label="Validator problems">
      {problems.map((p, i) => (
        <li key={i} className={`rounded border px-2 py-1 text-sm ${p.severity === "error" ? "border-red-300 bg-red-50 text-red-900" : "border-amber-300 bg-amber-50 text-amber-950"}`}>
          <Badge tone={p.severity === "error" ? "red" : "amber"}>{p.severity}</Badge>{" "}
          <span className="font-mono text-xs">{p.rule}</span> · {p.resource} “{p.name}” · {problemFieldLabel(p)}: {p.message}
        </li>
      ))}
    </ul>
  );
}

export function problemsFor(problems: Problem[] | undefined, formField: string, resource?: { kind: string; name: string }) {
  return (problems ?? []).filter((p) => p.formField === formField && (!resource || (p.resource === resource.kind && p.name === resource.name)));
}

/** Validator messages for one input, rendered next to it with an id the input's aria-describedby names. */
export function InlineProblems({ id, problems }: { id: string; problems: Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <div id={id} className="mt-1 space-y-0.5">
      {problems.map((p, i) => (
        <p key={i} className={`text-sm ${p.severity === "error" ? "text-red-700" : "text-amber-800"}`}>
          {p.severity === "error" ? "Error" : "Warning"} ({p.rule}): {p.message}
        </p>
      ))}
    </div>
  );
}

/** The validator's findings under a preview, with their own heading. */
export function ValidatorSection({ titleId, problems }: { titleId: string; problems: Problem[] }) {
  return (
    <section aria-labelledby={titleId}>
      <h3 id={titleId} className="mb-1 text-sm font-medium text-slate-700">Validator</h3>
      <ProblemList problems={problems} />
    </section>
  );
}
