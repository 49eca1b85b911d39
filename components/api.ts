"use client";

export interface FieldProblem {
  field: string;
  rule: string;
  message: string;
  /** The field's label, when the server knows it. */
  label?: string;
}

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly fields: FieldProblem[] = [],
    public readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Every browser call to the API: JSON in and out, errors with their fields. */
export async function apiFetch<T>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    headers: { ...(json !== undefined ? { "content-type": "application/json" } : {}), ...(rest.headers ?? {}) },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
    credentials: "same-origin",
  });
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    if (res.status === 401 && typeof window !== "undefined" && !url.startsWith("/api/auth/login")) {
      window.location.href = "/login";
    }
    throw new ApiError(res.status, String(body.error ?? res.statusText), (body.fields as FieldProblem[]) ?? [], body);
  }
  return body as T;
}
