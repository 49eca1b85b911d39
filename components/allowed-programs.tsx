"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch, ApiError } from "./api";
import { errorText, problemText } from "./error-text";
import { Alert, Button, Card } from "./ui";
import { useCan } from "./user-context";

interface Programs {
  builtIn: string[];
  extra: string[];
}

/** The programs commands on hosts may run (GET /api/deploy/programs); an admin adds others (PUT, audited). */
export function AllowedPrograms() {
  const isAdmin = useCan("admin");
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["deploy-programs"], queryFn: () => apiFetch<Programs>("/api/deploy/programs") });
  const [draft, setDraft] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (programs: string[]) => apiFetch<Programs>("/api/deploy/programs", { method: "PUT", json: { programs } }),
    onSuccess: async () => {
      setDraft(null);
      await qc.invalidateQueries({ queryKey: ["deploy-programs"] });
      await qc.invalidateQueries({ queryKey: ["deploy-targets"] });
    },
  });
  const text = draft ?? (q.data?.extra ?? []).join("\n");
  const problems = save.error instanceof ApiError ? save.error.fields : [];
  return (
    <Card title="Programs that commands on hosts may run">
      <p className="text-sm text-slate-700">
        Start, stop and restart commands run without a shell, and only these programs:{" "}
        <code className="text-xs">{(q.data?.builtIn ?? []).join(", ")}</code> (by name, or in a system directory). Shells and
        interpreters are never allowed.
      </p>
      <label className="mt-2 block text-sm">
        Added by an admin (one absolute path or name per line)
        <textarea
          aria-describedby={problems.length ? "programs-errors" : undefined}
          aria-invalid={problems.length > 0}
          className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 font-mono text-xs"
          rows={3}
          aria-label="Programs added by an admin"
          readOnly={!isAdmin}
          value={text}
          onChange={(e) => setDraft(e.target.value)}
        />
      </label>
      <div id="programs-errors">
        {problems.map((p) => (
          <div key={p.field} className="text-xs text-red-700" data-testid={`error-${p.field}`}>
            {/* programs.2 is the third line of the list */}
            {problemText({ ...p, label: /^programs\.(\d+)$/.test(p.field) ? `Programs, line ${Number(p.field.split(".")[1]) + 1}` : (p.label ?? "Programs") })}
          </div>
        ))}
      </div>
      {save.error && !problems.length && <Alert>{errorText(save.error, { lead: "Not saved" })}</Alert>}
      {isAdmin && (
        <div className="mt-2">
          <Button variant="secondary" disabled={draft === null || save.isPending} onClick={() => save.mutate(text.split("\n").map((l) => l.trim()).filter(Boolean))}>
            Save programs
          </Button>
        </div>
      )}
    </Card>
  );
}
