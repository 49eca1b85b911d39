"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { ApiError, apiFetch } from "@/components/api";
import { Alert, Button, inputClass } from "@/components/ui";

export default function LoginPage() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await apiFetch("/api/auth/login", { method: "POST", json: { login: form.get("login"), password: form.get("password") } });
      router.push("/");
      router.refresh();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "Login failed");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="mx-auto mt-24 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow">
      <h1 className="mb-4 text-xl font-semibold">Log in to Bacula HA</h1>
      <form onSubmit={submit} className="space-y-3" noValidate>
        <div>
          <label htmlFor="login" className="mb-1 block text-sm font-medium">Login</label>
          <input id="login" name="login" autoComplete="username" required className={inputClass} aria-describedby={error ? "login-error" : undefined} />
        </div>
        <div>
          <label htmlFor="password" className="mb-1 block text-sm font-medium">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required className={inputClass} aria-invalid={Boolean(error)} aria-describedby={error ? "login-error" : undefined} />
        </div>
        {error && <Alert id="login-error">{error}</Alert>}
        <Button type="submit" disabled={busy} className="w-full justify-center">{busy ? "Logging in…" : "Log in"}</Button>
      </form>
    </main>
  );
}
