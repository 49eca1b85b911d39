"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { configPagesOf, DAEMON_CONFIG_KINDS, type DaemonConfigKind, type DaemonConfigView } from "@/lib/config/daemon-kinds";
import { apiFetch } from "./api";
import { ProblemList, type Problem } from "./builders/common";
import { CopyButton } from "./copy-button";
import { DiffView } from "./diff-view";
import { errorText } from "./error-text";
import { Alert, Button, Card, PageTitle } from "./ui";
import { useCan } from "./user-context";

const when = (iso: string) => new Date(iso).toLocaleString();

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * One record's generated config file (bacula-dir.conf, bacula-sd.conf, bacula-fd.conf,
 * bconsole.conf): the whole text with passwords masked, its validator problems, copy and download,
 * and the diff against the last deployed file. Admins can reveal the passwords (a POST, audited).
 */
export function ConfigViewPage({ kind, id }: { kind: DaemonConfigKind; id: number }) {
  const meta = DAEMON_CONFIG_KINDS[kind];
  const isAdmin = useCan("admin");
  const view = useQuery({
    queryKey: ["config-view", kind, id],
    queryFn: () => apiFetch<DaemonConfigView>(`/api/config/${kind}/${id}`),
    staleTime: 0,
    refetchOnMount: "always",
  });
  const [revealed, setRevealed] = useState<string | null>(null);
  const reveal = useMutation({
    mutationFn: () => apiFetch<{ text: string | null }>(`/api/config/${kind}/${id}/reveal`, { method: "POST" }),
    onSuccess: (r) => setRevealed(r.text),
  });

  if (view.isLoading) return <p aria-busy="true">Rendering {meta.file}…</p>;
  if (view.error || !view.data) return <Alert>{errorText(view.error, { lead: `Cannot show ${meta.file}` })}</Alert>;
  const v = view.data;
  const shown = revealed ?? v.text;
  const others = configPagesOf(v.record.kind, id).filter((p) => p.kind !== kind);
  const recordHref = `/inventory/${v.record.kind}/${id}`;
  const errors = v.problems.filter((p) => p.severity === "error").length;

  return (
    <>
      <PageTitle
        subtitle={
          <>
            The {meta.label} configuration the dashboard generates for {meta.recordLabel}{" "}
            <Link className="text-brand-700 underline" href={recordHref}>{v.record.name}</Link>
            {v.path && <> — deployed to <code>{v.path}</code></>}
            {others.map((o) => (
              <span key={o.kind}>
                {" · "}
                <Link className="text-brand-700 underline" href={o.href}>{o.file}</Link>
              </span>
            ))}
          </>
        }
      >
        <span data-testid="config-title">{meta.file} of {v.record.name}</span>
      </PageTitle>

      {!v.rendered ? (
        <Alert kind="info">
          <span data-testid="not-rendered">Not rendered yet.</span> {v.reason}
        </Alert>
      ) : (
        <div className="space-y-4">
          <Card title={`Validator (${errors} error${errors === 1 ? "" : "s"}, ${v.problems.length - errors} warning${v.problems.length - errors === 1 ? "" : "s"})`}>
            <ProblemList problems={v.problems.map((p) => ({ ...p, formField: p.formField ?? p.field }) as Problem)} empty="Bacula's rules find nothing to report in this file." />
            {v.deployProblems.length > 0 && (
              <div className="mt-3">
                <Alert kind="warning">
                  <p className="font-medium">A deploy of it is refused now:</p>
                  <ul className="list-disc pl-5" data-testid="deploy-problems">
                    {v.deployProblems.map((p, i) => <li key={i}>{p}</li>)}
                  </ul>
                </Alert>
              </div>
            )}
          </Card>

          <Card
            title={`${meta.file}${revealed !== null ? " (passwords shown)" : " (passwords masked)"}`}
            actions={
              shown !== null && (
                <div className="flex flex-wrap gap-2">
                  <CopyButton text={shown} label={meta.file} />
                  <Button type="button" variant="secondary" onClick={() => download(meta.file, shown)}>Download</Button>
                  {isAdmin &&
                    (revealed === null ? (
                      <Button type="button" variant="secondary" disabled={reveal.isPending} onClick={() => reveal.mutate()} title="Shows the passwords; the reveal is recorded in the audit log">
                        {reveal.isPending ? "Revealing…" : "Reveal passwords"}
                      </Button>
                    ) : (
                      <Button type="button" variant="secondary" onClick={() => setRevealed(null)}>Mask passwords</Button>
                    ))}
                </div>
              )
            }
          >
            {reveal.error && <Alert>{errorText(reveal.error, { lead: "Not revealed" })}</Alert>}
            {revealed !== null && (
              <Alert kind="warning">Passwords are shown. This reveal was recorded in the audit log; copy and download now include them.</Alert>
            )}
            {v.renderError && (
              <Alert>
                Cannot be written: {v.renderError.resource} “{v.renderError.name}”, {v.renderError.field}: {v.renderError.message}
              </Alert>
            )}
            {shown !== null && (
              <pre data-testid="config-text" aria-label={`${meta.file} of ${v.record.name}`} tabIndex={0} className="mt-2 max-h-[36rem] overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100">
                {shown}
              </pre>
            )}
            <p className="mt-2 text-xs text-slate-600">Model revision {v.revision}.</p>
          </Card>

          <Card title="Against the last deployed file">
            <div data-testid="deployed">
              {!v.deployed ? (
                <p className="text-sm text-slate-600" data-testid="deployed-state" data-state="never">Never deployed by the dashboard: nothing to compare with yet.</p>
              ) : (
                <>
                  <p className="text-sm" data-testid="deployed-state" data-state={v.diff === null ? "no-text" : v.diff === "" ? "same" : "changed"}>
                    Last deployed by {v.deployed.by} on {when(v.deployed.at)} (deploy run #{v.deployed.runId}) to <code>{v.deployed.path}</code>.{" "}
                    {v.diff === null
                      ? "That deploy was made before the dashboard kept the deployed file: its diff is in the deploy's history."
                      : v.diff === ""
                        ? v.onlyRevisionDiffers
                          ? "The model renders the same file (only the model revision line differs)."
                          : "The model renders exactly the deployed file."
                        : "The model has changed since (passwords masked on both sides):"}
                  </p>
                  {v.diff && <div className="mt-2"><DiffView diff={v.diff} label={`Diff of ${meta.file}, deployed to now`} /></div>}
                </>
              )}
              <p className="mt-2 text-sm">
                <Link className="text-brand-700 underline" href="/deploy">Deploy page</Link>
              </p>
            </div>
          </Card>
        </div>
      )}
    </>
  );
}
