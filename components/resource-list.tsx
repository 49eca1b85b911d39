"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { configPagesOf } from "@/lib/config/daemon-kinds";
import { KINDS, type FieldDef, type KindKey } from "@/lib/inventory/fields";
import { ApiError, apiFetch } from "./api";
import { errorText } from "./error-text";
import { HostKeyDialog } from "./host-key-dialog";
import { Alert, Badge, Button, inputClass, PageTitle, Pager } from "./ui";
import { useCan } from "./user-context";

interface Row {
  id: number;
  refNames: Record<string, string | null>;
  storageNames?: string[];
  [key: string]: unknown;
}

interface Page {
  items: Row[];
  total: number;
  page: number;
  pageSize: number;
}

function cell(field: FieldDef, row: Row) {
  if (field.type === "ref") return row.refNames?.[field.key] ?? "—";
  if (field.type === "bool") return row[field.key] ? "yes" : "no";
  if (field.type === "storageList") return (row.storageNames ?? []).join(", ") || "—";
  const v = row[field.key];
  return v === null || v === undefined || v === "" ? "—" : String(v);
}

export function ResourceList({ kind }: { kind: KindKey }) {
  const meta = KINDS[kind];
  const canEdit = useCan("operator");
  const qc = useQueryClient();
  const [q, setQ] = useState("");
  const [sort, setSort] = useState("name");
  const [dir, setDir] = useState<"asc" | "desc">("asc");
  const [page, setPage] = useState(1);
  const [problem, setProblem] = useState<{ message: string; refs?: { kind: string; name: string; via?: string }[] } | null>(null);
  const [hostKeyFor, setHostKeyFor] = useState<number | null>(null);
  const pageSize = 25;
  const params = new URLSearchParams({ q, sort, dir, page: String(page), pageSize: String(pageSize) });
  const { data, isLoading, error } = useQuery({
    queryKey: ["list", kind, q, sort, dir, page],
    queryFn: () => apiFetch<Page>(`/api/${kind}?${params}`),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (id: number) => apiFetch(`/api/${kind}/${id}`, { method: "DELETE" }),
    onSuccess: () => {
      setProblem(null);
      void qc.invalidateQueries({ queryKey: ["list", kind] });
    },
    onError: (err) => {
      const refs = err instanceof ApiError ? (err.body.references as { kind: string; name: string; via?: string }[] | undefined) : undefined;
      setProblem({ message: err instanceof Error ? err.message : "Delete failed", refs });
    },
  });
  const columns = meta.fields.filter((f) => f.listed);
  const pages = data ? Math.max(1, Math.ceil(data.total / pageSize)) : 1;

  function toggleSort(key: string) {
    if (!meta.sortFields.includes(key)) return;
    if (sort === key) setDir(dir === "asc" ? "desc" : "asc");
    else {
      setSort(key);
      setDir("asc");
    }
    setPage(1);
  }

  return (
    <>
      <PageTitle
        subtitle={meta.description}
        actions={canEdit && <Link href={`/inventory/${kind}/new`} className="rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700">New {meta.label}</Link>}
      >
        {meta.plural}
      </PageTitle>
      <div className="mb-3 flex items-end gap-3">
        <div className="w-80">
          <label htmlFor="list-search" className="mb-1 block text-sm font-medium">Search {meta.plural.toLowerCase()}</label>
          <input id="list-search" type="search" value={q} className={inputClass} placeholder={meta.searchFields.join(", ")}
            onChange={(e) => { setQ(e.target.value); setPage(1); }} />
        </div>
        <p className="pb-2 text-sm text-slate-600" aria-live="polite">{data ? `${data.total} ${data.total === 1 ? meta.label.toLowerCase() : meta.plural.toLowerCase()}` : ""}</p>
      </div>
      {problem && (
        <div className="mb-3">
          <Alert>
            <p>{problem.message}</p>
            {problem.refs && problem.refs.length > 0 && (
              <ul className="mt-1 list-disc pl-5" aria-label="Still referenced by">
                {problem.refs.map((r, i) => <li key={i}>{r.kind} “{r.name}”{r.via ? ` (${r.via})` : ""}</li>)}
              </ul>
            )}
          </Alert>
        </div>
      )}
      {error && <Alert>{errorText(error, { lead: `Cannot list the ${meta.plural.toLowerCase()}` })}</Alert>}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
        <table className="w-full text-sm">
          <caption className="sr-only">{meta.plural}</caption>
          <thead className="bg-slate-100 text-left">
            <tr>
              {columns.map((c) => {
                const sortable = meta.sortFields.includes(c.key);
                const ariaSort = sort === c.key ? (dir === "asc" ? "ascending" : "descending") : "none";
                return (
                  <th key={c.key} scope="col" className="px-3 py-2 font-medium" aria-sort={sortable ? ariaSort : undefined}>
                    {sortable ? (
                      <button type="button" className="hover:underline" onClick={() => toggleSort(c.key)}>
                        {c.label}{sort === c.key ? (dir === "asc" ? " ▲" : " ▼") : ""}
                      </button>
                    ) : c.label}
                  </th>
                );
              })}
              <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {isLoading && <tr><td className="px-3 py-2" colSpan={columns.length + 1}>Loading…</td></tr>}
            {data?.items.length === 0 && <tr><td className="px-3 py-4 text-slate-600" colSpan={columns.length + 1}>Nothing here yet.</td></tr>}
            {data?.items.map((row) => (
              <tr key={row.id} className="border-t border-slate-100 hover:bg-slate-50" data-testid={`row-${String(row.name)}`}>
                {columns.map((c, i) => (
                  <td key={c.key} className="px-3 py-1.5">
                    {i === 0 ? <Link className="font-medium text-brand-700 hover:underline" href={`/inventory/${kind}/${row.id}`}>{cell(c, row)}</Link>
                      : c.key === "role" ? <Badge tone={row.role === "primary" ? "green" : row.role === "standby" ? "amber" : "slate"}>{cell(c, row)}</Badge>
                      : cell(c, row)}
                  </td>
                ))}
                <td className="space-x-1 whitespace-nowrap px-3 py-1.5 text-right">
                  {configPagesOf(kind, row.id).map((p) => (
                    <Link key={p.kind} href={p.href} className="text-xs text-brand-700 underline" aria-label={`${p.file} of ${String(row.name)}`}>{p.file}</Link>
                  ))}
                  {kind === "hosts" && (
                    <Button variant="secondary" aria-label={`Host key of ${String(row.name)}`} onClick={() => setHostKeyFor(row.id)}>
                      {row.hostKeyFingerprint ? "Check host key" : "Confirm host key"}
                    </Button>
                  )}
                  {canEdit && (
                    <Button variant="secondary" aria-label={`Delete ${String(row.name)}`} disabled={remove.isPending}
                      onClick={() => { if (window.confirm(`Delete ${meta.label} “${String(row.name)}”?`)) remove.mutate(row.id); }}>
                      Delete
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pages={pages} onPage={setPage} />
      {hostKeyFor !== null && <HostKeyDialog hostId={hostKeyFor} onClose={() => setHostKeyFor(null)} onPinned={() => void qc.invalidateQueries({ queryKey: ["record", "hosts", hostKeyFor] })} />}
    </>
  );
}
