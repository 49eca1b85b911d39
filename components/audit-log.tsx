"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { AUDIT_ACTION_FILTERS } from "@/lib/audit/actions";
import { apiFetch } from "./api";
import { Alert, Badge, inputClass, PageTitle, Pager } from "./ui";
import { errorText } from "./error-text";

interface Event {
  id: number;
  at: string;
  actor: string;
  action: string;
  entityType: string | null;
  entityName: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}


export function AuditLog() {
  const [q, setQ] = useState("");
  const [action, setAction] = useState("");
  const [page, setPage] = useState(1);
  const params = new URLSearchParams({ q, action, page: String(page), pageSize: "50" });
  const { data, error } = useQuery({
    queryKey: ["audit", q, action, page],
    queryFn: () => apiFetch<{ items: Event[]; total: number }>(`/api/audit?${params}`),
    placeholderData: keepPreviousData,
  });
  const pages = data ? Math.max(1, Math.ceil(data.total / 50)) : 1;
  return (
    <>
      <PageTitle subtitle="Every change, login and action, with who and when">Audit log</PageTitle>
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <div className="w-72">
          <label htmlFor="audit-q" className="mb-1 block text-sm font-medium">Search by user or resource</label>
          <input id="audit-q" type="search" className={inputClass} value={q} onChange={(e) => { setQ(e.target.value); setPage(1); }} />
        </div>
        <div className="w-96">
          <label htmlFor="audit-action" className="mb-1 block text-sm font-medium">Action</label>
          <select id="audit-action" className={inputClass} value={action} onChange={(e) => { setAction(e.target.value); setPage(1); }}>
            <option value="">(all)</option>
            {AUDIT_ACTION_FILTERS.map((a) => <option key={a.value} value={a.value}>{a.label}</option>)}
          </select>
        </div>
      </div>
      {error && <Alert>{errorText(error, { lead: "Could not load the audit log" })}</Alert>}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
        <table className="w-full text-sm">
          <caption className="sr-only">Audit events, newest first</caption>
          <thead className="bg-slate-100 text-left">
            <tr><th scope="col" className="px-3 py-2">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">What</th><th scope="col">Details</th></tr>
          </thead>
          <tbody>
            {data?.items.map((e) => (
              <tr key={e.id} className="border-t border-slate-100 align-top">
                <td className="whitespace-nowrap px-3 py-1.5"><time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time></td>
                <td className="py-1.5" data-testid="audit-who">{e.actor}{e.ip ? <span className="text-slate-500" data-testid="audit-ip"> ({e.ip})</span> : null}</td>
                <td className="py-1.5"><Badge tone={e.action === "delete" || e.action === "login_failed" ? "red" : e.action === "create" ? "green" : "slate"}>{e.action}</Badge></td>
                <td className="py-1.5">{e.entityType ? `${e.entityType} ` : ""}<strong>{e.entityName}</strong></td>
                <td className="py-1.5 pr-3">
                  {(e.before != null || e.after != null) && (
                    <details>
                      <summary className="cursor-pointer text-brand-700">before / after</summary>
                      <pre className="mt-1 max-w-xl overflow-x-auto whitespace-pre-wrap text-xs">{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pages={pages} onPage={setPage} previous="Newer" next="Older" />
    </>
  );
}
