"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { KINDS, KIND_ORDER } from "@/lib/inventory/fields";
import { apiFetch } from "./api";

const GROUPS = ["Daemons", "Director resources", "Catalog"] as const;

export function Nav({ login, role }: { login: string; role: string }) {
  const pathname = usePathname();
  const router = useRouter();
  const link = (href: string, label: string) => {
    const active = href === "/" ? pathname === "/" : pathname.startsWith(href);
    return (
      <li key={href}>
        <Link
          href={href}
          aria-current={active ? "page" : undefined}
          className={`block rounded px-2 py-1 text-sm ${active ? "bg-brand-700 text-white" : "text-slate-200 hover:bg-brand-700/60"}`}
        >
          {label}
        </Link>
      </li>
    );
  };
  async function logout() {
    await apiFetch("/api/auth/logout", { method: "POST" });
    router.push("/login");
    router.refresh();
  }
  return (
    <nav aria-label="Main" className="w-60 shrink-0 bg-brand-900 p-4 text-white">
      <a href="#main" className="sr-only focus:not-sr-only">Skip to content</a>
      <Link href="/" className="mb-4 block text-lg font-semibold">Bacula HA</Link>
      <ul className="space-y-1">{link("/", "Overview")}</ul>
      {GROUPS.map((group) => (
        <div key={group} className="mt-4">
          <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">{group}</h2>
          <ul className="space-y-0.5">
            {KIND_ORDER.filter((k) => KINDS[k].group === group).map((k) => link(`/inventory/${k}`, KINDS[k].plural))}
          </ul>
        </div>
      ))}
      <div className="mt-4">
        <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">Monitoring</h2>
        <ul className="space-y-0.5">
          {link("/topology", "Topology map")}
          {link("/replication", "Catalog replication")}
          {role === "admin" && link("/failover", "Standby promotion")}
          {link("/drill", "DR drill")}
        </ul>
      </div>
      <div className="mt-4">
        <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">Builders</h2>
        <ul className="space-y-0.5">
          {link("/builder/storage-groups", "Storage groups")}
          {link("/builder/chains", "Copy / clone chains")}
          {link("/builder/standby", "Standby replication")}
        </ul>
      </div>
      <div className="mt-4">
        <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">Operations</h2>
        <ul className="space-y-0.5">
          {role !== "viewer" && link("/config/import", "Import configs")}
          {link("/deploy", "Deploy")}
        </ul>
      </div>
      <div className="mt-4">
        <h2 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">Access</h2>
        <ul className="space-y-0.5">
          {link("/audit", "Audit log")}
          {role === "admin" && link("/users", "Users")}
        </ul>
      </div>
      <div className="mt-6 border-t border-white/20 pt-3 text-sm">
        <p>
          Signed in as <strong data-testid="current-user">{login}</strong>
        </p>
        <p className="text-slate-300">Role: {role}</p>
        <button type="button" onClick={logout} className="mt-2 rounded bg-white/10 px-2 py-1 hover:bg-white/20">
          Log out
        </button>
      </div>
    </nav>
  );
}
