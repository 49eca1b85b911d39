"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ROLES } from "@/lib/auth/roles";
import { apiFetch } from "./api";
import { errorText, fieldProblem } from "./error-text";
import { Alert, Button, Card, inputClass, PageTitle } from "./ui";

interface UserRow {
  id: number;
  login: string;
  role: string;
  disabled: boolean;
}

export function UserAdmin() {
  const qc = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: () => apiFetch<{ items: UserRow[] }>("/api/users") });
  const [failure, setFailure] = useState<{ err: unknown; creating: boolean } | null>(null);
  const done = () => { setFailure(null); void qc.invalidateQueries({ queryKey: ["users"] }); };
  const fail = (creating: boolean) => (err: unknown) => setFailure({ err, creating });
  const create = useMutation({ mutationFn: (body: Record<string, unknown>) => apiFetch("/api/users", { method: "POST", json: body }), onSuccess: done, onError: fail(true) });
  const update = useMutation({ mutationFn: ({ id, body }: { id: number; body: Record<string, unknown> }) => apiFetch(`/api/users/${id}`, { method: "PUT", json: body }), onSuccess: done, onError: fail(false) });
  const remove = useMutation({ mutationFn: (id: number) => apiFetch(`/api/users/${id}`, { method: "DELETE" }), onSuccess: done, onError: fail(false) });
  // The new-user form shows its fields' problems under them; the summary names the rest.
  const fieldError = (name: string) => (failure?.creating ? fieldProblem(failure.err, name) : undefined);
  const error = failure ? errorText(failure.err, { placed: failure.creating ? ["login", "password"] : [], lead: failure.creating ? "Not created" : "Not changed" }) : null;

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    create.mutate(Object.fromEntries(form.entries()));
  }

  return (
    <>
      <PageTitle subtitle="viewer reads · operator edits and deploys · admin also manages users and promotes">Users</PageTitle>
      {error && <div className="mb-3"><Alert>{error}</Alert></div>}
      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <Card title="Accounts">
          <table className="w-full text-sm">
            <caption className="sr-only">User accounts</caption>
            <thead className="text-left text-slate-600"><tr><th scope="col">Login</th><th scope="col">Role</th><th scope="col">State</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {users.data?.items.map((u) => (
                <tr key={u.id} className="border-t border-slate-100">
                  <td className="py-1.5 font-medium">{u.login}</td>
                  <td>
                    <label className="sr-only" htmlFor={`role-${u.id}`}>Role of {u.login}</label>
                    <select id={`role-${u.id}`} className={inputClass} value={u.role} onChange={(e) => update.mutate({ id: u.id, body: { role: e.target.value } })}>
                      {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                    </select>
                  </td>
                  <td>{u.disabled ? "disabled" : "active"}</td>
                  <td className="space-x-1 text-right">
                    <Button variant="secondary" onClick={() => update.mutate({ id: u.id, body: { disabled: !u.disabled } })}>{u.disabled ? "Enable" : "Disable"}</Button>
                    <Button variant="secondary" aria-label={`Delete user ${u.login}`} onClick={() => { if (window.confirm(`Delete user ${u.login}?`)) remove.mutate(u.id); }}>Delete</Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title="New user">
          <form onSubmit={submit} className="space-y-3" noValidate>
            {(["login", "password"] as const).map((name) => (
              <div key={name}>
                <label htmlFor={`new-${name}`} className="mb-1 block text-sm font-medium">{name === "login" ? "Login" : "Password (12+ characters)"}</label>
                <input id={`new-${name}`} name={name} type={name === "password" ? "password" : "text"} autoComplete={name === "password" ? "new-password" : "off"} className={inputClass}
                  aria-invalid={Boolean(fieldError(name))} aria-describedby={fieldError(name) ? `new-${name}-error` : undefined} />
                {fieldError(name) && <p id={`new-${name}-error`} className="mt-1 text-sm text-red-700">{name === "login" ? "Login" : "Password"}: {fieldError(name)}</p>}
              </div>
            ))}
            <div>
              <label htmlFor="new-role" className="mb-1 block text-sm font-medium">Role</label>
              <select id="new-role" name="role" className={inputClass} defaultValue="viewer">
                {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            </div>
            <Button type="submit" disabled={create.isPending}>Create user</Button>
          </form>
        </Card>
      </div>
    </>
  );
}
