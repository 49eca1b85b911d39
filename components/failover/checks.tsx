"use client";

import Link from "next/link";
import type { PreflightCheck } from "@/lib/failover/types";
import { PROMOTION_REQUIREMENTS_URL } from "@/lib/failover/types";

/** Preflight checks, each failed one with its fix in words and a link to what promotion needs on each host. */
export function CheckList({ checks, docs = PROMOTION_REQUIREMENTS_URL }: { checks: PreflightCheck[]; docs?: string }) {
  return (
    <div>
      <ul className="space-y-1" data-testid="preflight-checks">
        {checks.map((c, i) => (
          <li
            key={i}
            data-code={c.code}
            data-ok={c.ok}
            data-severity={c.severity}
            className={c.ok ? (c.severity === "warning" ? "text-amber-800" : "text-slate-700") : c.severity === "unfenced" || c.severity === "forceable" ? "font-medium text-amber-900" : "font-medium text-red-700"}
          >
            <span aria-hidden="true">{c.ok ? (c.severity === "warning" ? "⚠" : "✓") : "✗"}</span> <span className="sr-only">{c.ok ? (c.severity === "warning" ? "Note:" : "Passed:") : "Failed:"}</span> {c.message}
            {c.fix && (
              <div className="ml-5 font-normal text-slate-700" data-testid="check-fix">
                Fix: {c.fix}
              </div>
            )}
          </li>
        ))}
      </ul>
      <p className="mt-1 text-xs">
        <Link className="text-brand-700 underline" href={docs} target="_blank">
          What promotion needs on each host (SSH user, grants per database, files)
        </Link>
      </p>
    </div>
  );
}
