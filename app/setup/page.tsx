"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { apiFetch } from "@/components/api";
import { errorText, fieldProblem } from "@/components/error-text";
import { Alert, Button, inputClass } from "@/components/ui";

export default function SetupPage() {
  const router = useRouter();
  const status = useQuery({ queryKey: ["setup"], queryFn: () => apiFetch<{ needed: boolean }>("/api/setup") });
  const [failure, setFailure] = useState<unknown>(null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setFailure(null);
    try {
      await apiFetch("/api/setup", { method: "POST", json: Object.fromEntries(form.entries()) });
      router.push("/login");
    } catch (err) {
      setFailure(err);
    }
  }
  const LABELS = { token: "Setup token", login: "Admin login", password: "Password" } as const;
  const fieldError = (name: string) => (failure ? fieldProblem(failure, name) : undefined);
  const error = failure ? errorText(failure, { placed: Object.keys(LABELS), lead: "Not created" }) : null;

  if (status.data && !status.data.needed) {
    return (
      <main className="mx-auto mt-24 max-w-md">
        <Alert kind="info">Setup is done. <a className="underline" href="/login">Log in</a>.</Alert>
      </main>
    );
  }
  return (
    <main className="mx-auto mt-24 max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow">
      <h1 className="mb-2 text-xl font-semibold">Create the first admin</h1>
      <p className="mb-4 text-sm text-slate-600">
        Enter the one-time setup token that the server wrote to <code>data/setup-token</code> (and printed in its log).
      </p>
      <form onSubmit={submit} className="space-y-3" noValidate>
        {(["token", "login", "password"] as const).map((name) => (
          <div key={name}>
            <label htmlFor={`setup-${name}`} className="mb-1 block text-sm font-medium">
              {name === "token" ? "Setup token" : name === "login" ? "Admin login" : "Password (12 characters or more)"}
            </label>
            <input
              id={`setup-${name}`}
              name={name}
              type={name === "password" ? "password" : "text"}
              autoComplete={name === "password" ? "new-password" : "off"}
              className={inputClass}
              aria-invalid={Boolean(fieldError(name))}
              aria-describedby={fieldError(name) ? `setup-${name}-error` : undefined}
            />
            {fieldError(name) && <p id={`setup-${name}-error`} className="mt-1 text-sm text-red-700">{LABELS[name]}: {fieldError(name)}</p>}
          </div>
        ))}
        {error && <Alert>{error}</Alert>}
        <Button type="submit" className="w-full justify-center">Create admin</Button>
      </form>
    </main>
  );
}
