/**
 * Limits at the edge, through the app's route handlers on a real SQLite file: body caps (413),
 * the body deadline (408), strict numbers, and every unexpected input a 4xx naming the field and
 * the rule, never a 500: lone surrogates, invalid UTF-8, deep nesting, huge ids, malformed cookies,
 * on every route and method.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call, ORIGIN } from "../support/api";

process.env.HTTP_BODY_TIMEOUT_MS = "300";
freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const { makeUser } = await import("./fixtures");
const collection = await import("@/app/api/[kind]/route");
const item = await import("@/app/api/[kind]/[id]/route");
const login = await import("@/app/api/auth/login/route");
const me = await import("@/app/api/auth/me/route");

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
let admin = "";

/** A request with a raw body (bytes or a stream), as a client could send it. */
async function raw(handler: unknown, url: string, body: BodyInit | undefined, o: { cookie?: string; headers?: Record<string, string>; params?: Record<string, string>; method?: string } = {}) {
  const req = new Request(new URL(url, ORIGIN), {
    method: o.method ?? "POST",
    headers: { host: "dashboard.test", origin: ORIGIN, "content-type": "application/json", ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.headers ?? {}) },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const res = await (handler as Handler)(req, { params: Promise.resolve(o.params ?? {}) });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, any>, headers: res.headers };
}

beforeAll(async () => {
  await seedDemo(prisma);
  admin = await makeUser("edge-admin", "admin");
});

describe("body limits", () => {
  it("413 for a body over 1 MiB (16 KiB for login), by its Content-Length or while it streams", async () => {
    const declared = await raw(collection.POST, "/api/pools", "{}", { cookie: admin, params: { kind: "pools" }, headers: { "content-length": String(2 * 1024 * 1024) } });
    expect(declared.status).toBe(413);
    expect(declared.json.fields[0]).toMatchObject({ field: "(body)", rule: "max-size" });
    expect(declared.headers.get("connection")).toBe("close");
    const big = JSON.stringify({ login: "x", password: "y".repeat(20 * 1024) });
    expect((await raw(login.POST, "/api/auth/login", big)).status).toBe(413);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        sent += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      },
    });
    const streamed = await raw(login.POST, "/api/auth/login", endless);
    expect(streamed.status).toBe(413);
    // It stopped reading just past the cap.
    expect(sent).toBeLessThan(256 * 1024);
  });

  it("408 for a body that stalls", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"login":"a'));
      },
    });
    const t0 = performance.now();
    const res = await raw(login.POST, "/api/auth/login", stalled);
    expect(res.status).toBe(408);
    expect(res.json.fields[0]).toMatchObject({ field: "(body)", rule: "timeout" });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe("unexpected input is a 4xx naming the field and the rule", () => {
  const dirId = async () => (await prisma.director.findUniqueOrThrow({ where: { name: "bacula-dir" } })).id;

  it("lone surrogates, invalid UTF-8 and deep nesting", async () => {
    const surrogate = await raw(collection.POST, "/api/pools", `{"name":"Pool\\ud800","directorId":${await dirId()}}`, { cookie: admin, params: { kind: "pools" } });
    expect(surrogate.status).toBe(400);
    expect(surrogate.json.fields[0]).toMatchObject({ field: "name", rule: "unicode" });
    const key = await raw(login.POST, "/api/auth/login", '{"\\udc00":1}');
    expect(key.json.fields[0]).toMatchObject({ rule: "unicode" });
    const bytes = await raw(login.POST, "/api/auth/login", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(bytes.status).toBe(400);
    expect(bytes.json.fields[0]).toMatchObject({ rule: "utf8" });
    const deep = await raw(collection.POST, "/api/pools", "[".repeat(100) + "]".repeat(100), { cookie: admin, params: { kind: "pools" } });
    expect(deep.status).toBe(400);
    expect(deep.json.fields[0]).toMatchObject({ rule: "depth" });
  });

  it("huge and malformed ids, in the path, the query and the body", async () => {
    for (const id of ["99999999999999999999", "2147483648", "1e3", "0x10", "-1", "1.5"]) {
      const res = await call(item.GET as never, `/api/pools/${id}`, { cookie: admin, params: { kind: "pools", id } });
      expect(res.status, id).toBe(400);
      expect(res.json.fields[0]).toMatchObject({ field: "id", rule: "id" });
    }
    const q = await call(collection.GET as never, "/api/pools", { cookie: admin, params: { kind: "pools" }, query: { directorId: "99999999999999999999" } });
    expect(q.status).toBe(400);
    const body = await call(collection.POST as never, "/api/pools", { method: "POST", cookie: admin, params: { kind: "pools" }, body: { name: "P", directorId: 99999999999999999999 } });
    expect(body.status).toBe(400);
    expect(body.json.fields[0]).toMatchObject({ field: "directorId" });
  });

  it("strict numbers: no hex, exponent, array or boolean coercion", async () => {
    const host = (sshPort: unknown) => call(collection.POST as never, "/api/hosts", { method: "POST", cookie: admin, params: { kind: "hosts" }, body: { name: `h${String(sshPort).length}x`, address: "h.example.net", sshPort } });
    for (const v of ["0x16", "1e1", [22], true, "22abc", " "]) {
      const res = await host(v);
      expect(res.status, JSON.stringify(v)).toBe(400);
      expect(res.json.fields[0]).toMatchObject({ field: "sshPort" });
    }
    expect((await host("2222")).status).toBe(201);
    for (const page of ["1e1", "0x2", "2.5"]) {
      const res = await call(collection.GET as never, "/api/pools", { cookie: admin, params: { kind: "pools" }, query: { page } });
      expect(res.status, page).toBe(400);
      expect(res.json.fields[0]).toMatchObject({ field: "page" });
    }
  });

  it("a malformed or forged cookie is no session (401), not a server error", async () => {
    for (const cookie of ["bhd_session=%E0%A4%A", "bhd_session=%", "bhd_session=" + "a".repeat(4000), "bhd_session=a.b.c", "=;;=bhd_session"]) {
      expect((await call(me.GET as never, "/api/auth/me", { cookie })).status, cookie).toBe(401);
    }
  });

  it("every route and method answers hostile input with a 4xx, never a 500", async () => {
    const routes: { file: string; mod: Record<string, unknown> }[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === "route.ts") routes.push({ file: p, mod: {} });
      }
    };
    walk(path.resolve("app/api"));
    for (const r of routes) r.mod = await import(/* @vite-ignore */ r.file);
    const hostile = ["99999999999999999999", "0x1", "%E0%A4", "-1"];
    const bodies = ['{"a":"\\ud800"}', "[1]", '"x"', "null", '{"targetMemberId":99999999999999999999,"memberId":"1e1","programs":[1],"id":[1]}'];
    let calls = 0;
    const failures: string[] = [];
    for (const r of routes) {
      const segs = [...r.file.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
      for (const method of ["GET", "POST", "PUT", "DELETE"]) {
        const handler = r.mod[method];
        if (typeof handler !== "function") continue;
        for (const value of hostile) {
          const params = Object.fromEntries(segs.map((s) => [s, s === "kind" ? "pools" : value]));
          const url = `/api/x?target=${value}&member=${value}&limit=${value}&range=${value}&page=${value}`;
          for (const body of method === "GET" ? [undefined] : bodies) {
            const res = await raw(handler, url, body, { method, cookie: admin, params }).catch((e: Error) => ({ status: 599, json: { error: e.message } }));
            calls++;
            if (res.status >= 500) failures.push(`${method} ${path.relative("app/api", r.file)} ${JSON.stringify(params)} ${body}: ${res.status} ${JSON.stringify(res.json)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(300);
  });
});
