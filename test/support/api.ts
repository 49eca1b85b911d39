/** Calls Next route handlers in-process, as the browser would: cookies, same-origin headers, JSON. */
export const ORIGIN = "http://dashboard.test";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallOptions {
  method?: string;
  body?: unknown;
  cookie?: string;
  origin?: string | null;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  query?: Record<string, string>;
}

export async function call(handler: Handler, url: string, opts: CallOptions = {}) {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { host: "dashboard.test", ...(opts.headers ?? {}) };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (method !== "GET" && opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const full = new URL(url, ORIGIN);
  for (const [k, v] of Object.entries(opts.query ?? {})) full.searchParams.set(k, v);
  const req = new Request(full, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json: json as Record<string, any>, headers: res.headers };
}

export function cookieFrom(res: { headers: Headers }): string {
  const set = res.headers.get("set-cookie") ?? "";
  return set.split(";")[0];
}
