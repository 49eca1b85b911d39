/**
 * Reading request bodies at the edge: a size cap (413 before the body is buffered), a read
 * deadline (408, so a stalled upload does not hold the handler), strict UTF-8 and well-formed
 * JSON strings (a lone UTF-16 surrogate or a NUL would fail deep in the database layer: PostgreSQL's
 * text and jsonb hold neither), bounded nesting.
 * Every refusal is an HttpError naming "(body)" and the rule.
 */
import { HttpError } from "./errors";

/** Every API body. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Login and first-admin setup: unauthenticated, so much smaller. */
export const AUTH_BODY_LIMIT_BYTES = 16 * 1024;
/** How long a body may take to arrive once the handler asks for it. */
export const BODY_TIMEOUT_MS = Number(process.env.HTTP_BODY_TIMEOUT_MS ?? 10_000);
const MAX_DEPTH = 64;

export interface BodyOptions {
  limitBytes?: number;
  timeoutMs?: number;
}

// A body refused before its end leaves the rest of it on the connection: close it after answering.
const bodyError = (status: number, rule: string, message: string) =>
  new HttpError(status, `The request body ${message}`, [{ field: "(body)", rule, message }], undefined, status === 400 ? undefined : { connection: "close" });

export const tooLarge = (limit: number) => bodyError(413, "max-size", `is larger than ${formatBytes(limit)}`);

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`;
}

/** 413 from the Content-Length header alone, before anything is read. */
export function assertDeclaredLength(req: Request, limit = BODY_LIMIT_BYTES): void {
  const raw = req.headers.get("content-length");
  if (raw === null) return;
  if (!/^\d{1,20}$/.test(raw.trim())) throw bodyError(400, "content-length", "has a malformed Content-Length");
  if (Number(raw) > limit) throw tooLarge(limit);
}

/** The body's bytes, at most `limitBytes`, within `timeoutMs`; the rest is never buffered. */
export async function readBodyBytes(req: Request, o: BodyOptions = {}): Promise<Uint8Array> {
  const limit = o.limitBytes ?? BODY_LIMIT_BYTES;
  const timeoutMs = o.timeoutMs ?? BODY_TIMEOUT_MS;
  assertDeclaredLength(req, limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(bodyError(408, "timeout", `did not arrive within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (err instanceof HttpError) throw err;
    throw bodyError(400, "read", "could not be read");
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Throws unless every string (and key) is well-formed UTF-16 and nesting stays within MAX_DEPTH. */
export function assertWellFormed(value: unknown): void {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: "" }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === "string") {
      if (!v.isWellFormed()) {
        throw new HttpError(400, `${path || "(body)"}: holds a lone UTF-16 surrogate`, [
          { field: path || "(body)", rule: "unicode", message: "holds a lone UTF-16 surrogate (not valid Unicode text)" },
        ]);
      }
      if (v.includes("\u0000")) {
        throw new HttpError(400, `${path || "(body)"}: holds a NUL character (U+0000)`, [
          { field: path || "(body)", rule: "unicode", message: "holds a NUL character (U+0000), which no stored text may hold" },
        ]);
      }
      continue;
    }
    if (!v || typeof v !== "object") continue;
    if (depth >= MAX_DEPTH) throw bodyError(400, "depth", `nests deeper than ${MAX_DEPTH} levels`);
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      const p = path ? `${path}.${k}` : k;
      if (!k.isWellFormed()) throw bodyError(400, "unicode", "has a key with a lone UTF-16 surrogate");
      if (k.includes("\u0000")) throw bodyError(400, "unicode", "has a key with a NUL character (U+0000)");
      stack.push({ v: x, depth: depth + 1, path: p });
    }
  }
}

/** The body as JSON ({} when empty), within the limits above. */
export async function readJsonBody(req: Request, o: BodyOptions = {}): Promise<unknown> {
  const bytes = await readBodyBytes(req, o);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw bodyError(400, "utf8", "is not valid UTF-8");
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bodyError(400, "json", "is not valid JSON");
  }
  assertWellFormed(value);
  return value;
}

/** A multipart/form-data body (file uploads), within the limits above; 400 naming the rule when it is not one. */
export async function readFormBody(req: Request, o: BodyOptions = {}): Promise<FormData> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) throw bodyError(400, "content-type", "must be multipart/form-data (a form with files)");
  const bytes = await readBodyBytes(req, o);
  try {
    return await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": type } }).formData();
  } catch {
    throw bodyError(400, "multipart", "is not a well-formed multipart form");
  }
}
