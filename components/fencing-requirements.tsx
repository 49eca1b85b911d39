"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { apiFetch } from "./api";
import { errorText } from "./error-text";
import { HostKeyDialog } from "./host-key-dialog";
import { Alert, Button } from "./ui";

interface HostView {
  id: number;
  name: string;
  address: string;
  sshPort: number;
  sshUser: string;
  privateKeySet: boolean;
  hostKeyFingerprint: string | null;
}

export interface FencingRequirementsProps {
  id: string;
  hostId: unknown;
  adminUser: unknown;
  dbName: unknown;
  dataDirectory: unknown;
  pgBinDir: unknown;
}

/** A role name as SQL writes it: bare when plain, else double-quoted. */
const ident = (s: string) => (/^[a-z_][a-z0-9_]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);

const text = (v: unknown, dflt: string) => (typeof v === "string" && v.trim() !== "" ? v.trim() : dflt);

function Item({ ok, children, testId }: { ok: boolean | null; children: React.ReactNode; testId: string }) {
  return (
    <li data-testid={testId} data-ok={ok === null ? "info" : String(ok)} className="flex gap-2">
      <span aria-hidden="true" className={ok === false ? "text-red-700" : ok ? "text-emerald-700" : "text-slate-500"}>{ok === false ? "✗" : ok ? "✓" : "•"}</span>
      <span className="sr-only">{ok === false ? "Missing:" : ok ? "Done:" : "Needed:"}</span>
      <div className="min-w-0 flex-1">{children}</div>
    </li>
  );
}

/**
 * Where a catalog member's SSH host is chosen: what promotion needs from that host (the fence,
 * rollback and re-attach run over it), for the host and values the form holds now. The full list
 * is the README's "What promotion needs on each host" (/failover/requirements).
 */
export function FencingRequirements({ id, hostId, adminUser, dbName, dataDirectory, pgBinDir }: FencingRequirementsProps) {
  const qc = useQueryClient();
  const [pinning, setPinning] = useState(false);
  const hid = Number(hostId);
  const host = useQuery({
    queryKey: ["record", "hosts", hid],
    queryFn: () => apiFetch<HostView>(`/api/hosts/${hid}`),
    enabled: Number.isInteger(hid) && hid > 0,
  });
  const h = hid > 0 ? host.data : undefined;
  const admin = ident(text(adminUser, "postgres"));
  const db = text(dbName, "bacula");
  const bin = text(pgBinDir, "/usr/lib/postgresql/15/bin");
  const dataDir = text(dataDirectory, "");
  const user = h?.sshUser ?? "";
  const programs = ["pg_ctl", "pg_controldata", "pg_rewind"].map((p) => `${bin}/${p}`).concat(["/bin/sh", "/usr/bin/env", "/usr/bin/tail"]);
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950" data-testid="fencing-requirements">
      <h3 id={`${id}-title`} className="mb-1 font-semibold">What promotion needs from this member&apos;s host</h3>
      <p className="mb-2 text-xs">
        A promotion fences the old primary over SSH (standby.signal and primary_conninfo in its data directory, then pg_ctl stop), and a rollback or re-attach starts it again. The preflight checks each item.{" "}
        <Link href="/failover/requirements" className="text-brand-700 underline">What promotion needs on each host</Link>
      </p>
      {host.error && <Alert>{errorText(host.error, { lead: "Cannot read the host" })}</Alert>}
      <ul className="space-y-1.5">
        <Item ok={hid > 0} testId="req-host">
          {hid > 0 ? (
            <>SSH host {h ? <><strong>{h.name}</strong> ({h.sshUser}@{h.address}:{h.sshPort}) — <Link className="text-brand-700 underline" href={`/inventory/hosts/${hid}`}>edit the host</Link></> : "…"}</>
          ) : (
            <>No SSH host: this member cannot be fenced. A failover away from it is refused unless an admin promotes without fencing (it then reads NOT FENCED).</>
          )}
        </Item>
        {h && (
          <>
            <Item ok={h.privateKeySet} testId="req-key">
              {h.privateKeySet ? "The app's SSH private key is stored on the host record." : <>No SSH private key stored: add the app&apos;s key on the <Link className="text-brand-700 underline" href={`/inventory/hosts/${hid}`}>host</Link>.</>}
            </Item>
            <Item ok={Boolean(h.hostKeyFingerprint)} testId="req-pinned">
              {h.hostKeyFingerprint ? <>Host key pinned: <code className="break-all">{h.hostKeyFingerprint}</code>.</> : "Host key not pinned: the app refuses to connect until you confirm it."}{" "}
              <Button type="button" variant="ghost" onClick={() => setPinning(true)}>{h.hostKeyFingerprint ? "Check host key" : "Confirm host key"}</Button>
            </Item>
            <Item ok={null} testId="req-user">
              {user === "postgres" ? (
                <>
                  Logs in as <code>postgres</code> (recommended): the app&apos;s public key in <code>~postgres/.ssh/authorized_keys</code> and a login shell. Debian locks the account: run <code>usermod -p &apos;*&apos; postgres</code> (sshd with <code>UsePAM no</code> refuses locked accounts, even for keys).
                </>
              ) : user === "root" ? (
                <>Logs in as <code>root</code>: the app runs the commands as postgres with <code>runuser -u postgres -- …</code>.</>
              ) : (
                <>
                  Logs in as <code>{user}</code>: every command runs as <code>sudo -n -u postgres -- …</code>, so <code>{user}</code> needs a passwordless sudoers rule (or log in as postgres instead, since a user that may run <code>sh</code> as postgres is postgres):
                  <pre className="mt-1 overflow-x-auto rounded bg-white p-2 text-xs" data-testid="req-sudoers">{`${user} ALL=(postgres) NOPASSWD: ${programs.join(", ")}`}</pre>
                </>
              )}
            </Item>
          </>
        )}
        <Item ok={dataDir !== ""} testId="req-datadir">
          {dataDir ? <>Data directory <code>{dataDir}</code>, owned by postgres (fencing writes standby.signal and primary_conninfo there).</> : "No data directory: fencing writes standby.signal and primary_conninfo there, so set it (e.g. /var/lib/postgresql/15/main)."}
        </Item>
        <Item ok={null} testId="req-grants">
          Promoting this member needs the admin role <code>{admin}</code> to be a superuser, or these grants made on the primary while connected to <code>{db}</code> (function grants are per database):
          <pre className="mt-1 overflow-x-auto rounded bg-white p-2 text-xs" data-testid="req-grants-sql">{`-- psql -d ${db}
GRANT EXECUTE ON FUNCTION pg_catalog.pg_promote(boolean, integer) TO ${admin};
GRANT EXECUTE ON FUNCTION pg_catalog.pg_wal_replay_resume() TO ${admin};`}</pre>
        </Item>
      </ul>
      {pinning && h && (
        <HostKeyDialog hostId={h.id} onClose={() => setPinning(false)} onPinned={() => void qc.invalidateQueries({ queryKey: ["record", "hosts", h.id] })} />
      )}
    </section>
  );
}
