/**
 * Issue 10's edge limits, measured against `next start`: four parallel 450 MB login bodies (with a
 * Content-Length, and chunked without one) and the server's peak memory; how long a stalled body
 * holds its connection. Run alone with `npx tsx bench/edge.ts` (needs a build), or in `npm run bench`.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { openSqlite } from "../test/support/sqlite";
import { peakRssMiB, startServer, type Server } from "./lib";
import { applyMigrations } from "../test/support/db";

const BODY_BYTES = 450 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, "a");

/** POSTs `bytes` to the login route as fast as the server takes them; resolves with its status when it answers or hangs up. */
function bigLogin(url: string, bytes: number, declareLength: boolean): Promise<{ status: number | null; sentMiB: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const u = new URL("/api/auth/login", url);
    let sent = 0;
    let status: number | null = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve({ status, sentMiB: Math.round(sent / (1024 * 1024)), ms: Math.round(performance.now() - t0) });
    };
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json", origin: url, ...(declareLength ? { "content-length": String(bytes) } : {}) } },
      (res) => {
        status = res.statusCode ?? null;
        res.resume();
        res.on("end", () => {
          req.destroy();
          finish();
        });
      },
    );
    req.on("error", finish);
    req.on("close", finish);
    const pump = () => {
      while (!done && sent < bytes) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once("drain", pump);
      }
      if (!done) req.end();
    };
    req.write('{"login":"admin","password":"');
    pump();
  });
}

/** Sends headers and 10 of 1,000 declared bytes, then nothing: how long until the server lets go of the connection. */
function stalledBody(url: string, route = "/api/auth/login"): Promise<{ status: number | null; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const u = new URL(route, url);
    let status: number | null = null;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json", origin: url, "content-length": "1000" } }, (res) => {
      status = res.statusCode ?? null;
      res.resume();
    });
    const give = setTimeout(() => req.destroy(), 300_000);
    req.on("error", () => {});
    req.on("close", () => {
      clearTimeout(give);
      resolve({ status, ms: Math.round(performance.now() - t0) });
    });
    req.write('{"login":"a');
  });
}

async function attack(server: Server, declareLength: boolean) {
  const before = peakRssMiB(server.proc.pid!);
  const results = await Promise.all(Array.from({ length: 4 }, () => bigLogin(server.url, BODY_BYTES, declareLength)));
  return { peakRssMiBBefore: Math.round(before), peakRssMiBAfter: Math.round(peakRssMiB(server.proc.pid!)), results };
}

export async function benchEdge(o: { limits?: boolean; distDir?: string; cwd?: string; label?: string } = {}): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-bench-edge-"));
  const file = path.join(dir, "app.db");
  const db = openSqlite(file);
  applyMigrations(db);
  db.close();
  const server = await startServer(
    { DATABASE_URL: `file:${file}`, APP_KEY_FILE: path.join(dir, "secret.key"), APP_SETUP_TOKEN_FILE: path.join(dir, "setup-token"), ADMIN_PASSWORD: "bench-password-123", DEMO_SEED: "0", REPLICATION_POLL: "0" },
    o,
  );
  try {
    const out: Record<string, unknown> = { label: o.label ?? (o.limits === false ? "next start (app limits only)" : "next start + scripts/http-limits.cjs") };
    out.chunked = await attack(server, false);
    out.contentLength = await attack(server, true);
    out.stalledBody = await stalledBody(server.url);
    // A route that answers without reading the body: the connection is Node's to close (requestTimeout).
    out.stalledUnreadBody = await stalledBody(server.url, "/api/auth/logout");
    console.log(`\nEdge limits (${String(out.label)}): 4 parallel 450 MB login bodies`);
    for (const k of ["chunked", "contentLength"] as const) {
      const a = out[k] as Awaited<ReturnType<typeof attack>>;
      console.log(`  ${k.padEnd(14)} statuses ${a.results.map((r) => r.status).join(",")}; sent ${a.results.map((r) => r.sentMiB).join(",")} MiB in ${Math.max(...a.results.map((r) => r.ms))} ms; server peak RSS ${a.peakRssMiBBefore} -> ${a.peakRssMiBAfter} MiB`);
    }
    for (const k of ["stalledBody", "stalledUnreadBody"] as const) {
      const st = out[k] as { status: number | null; ms: number };
      console.log(`  ${k.padEnd(17)} answered ${st.status ?? "(nothing)"}; connection closed after ${st.ms} ms`);
    }
    return out;
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const limits = !process.argv.includes("--no-limits");
  const distArg = process.argv.find((a) => a.startsWith("--dist="));
  const cwdArg = process.argv.find((a) => a.startsWith("--cwd="));
  const labelArg = process.argv.find((a) => a.startsWith("--label="));
  benchEdge({ limits, distDir: distArg?.slice(7), cwd: cwdArg?.slice(6), label: labelArg?.slice(8) }).then(
    (r) => console.log(JSON.stringify(r)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
