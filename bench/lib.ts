import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { freePort } from "../test/support/net";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

export { freePort };

/** Peak resident memory (VmHWM) of a process and its descendants, in MiB. */
export function peakRssMiB(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) total += Number(m[1]) / 1024;
      const children = fs.readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim();
      for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return total;
}

export interface Server {
  url: string;
  proc: ChildProcess;
  /** Everything the server printed so far. */
  log(): string;
  stop(): Promise<void>;
}

/** `next start` as served (with scripts/http-limits.cjs), or bare with `{ limits: false }` to measure the app alone. */
export async function startServer(env: Record<string, string>, o: { limits?: boolean; distDir?: string; cwd?: string } = {}): Promise<Server> {
  const port = await freePort();
  const preload = o.limits === false ? [] : ["--require", "./scripts/http-limits.cjs"];
  // The app's own server (what `npm run demo` runs): `next start` plus the client address.
  const proc = spawn(process.execPath, [...preload, "scripts/serve.mjs"], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...(o.distDir ? { NEXT_DIST_DIR: o.distDir } : {}), ...env, HOST: "127.0.0.1", PORT: String(port) },
    cwd: o.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout?.on("data", (d) => (log += d));
  proc.stderr?.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/login`);
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (proc.exitCode !== null) throw new Error(`server exited: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    proc,
    log: () => log,
    stop: async () => {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
    },
  };
}

/** Fires `total` GETs with `concurrency` in flight; returns sorted latencies in ms. */
export async function load(url: string, headers: Record<string, string>, total: number, concurrency: number): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      times.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return times.sort((a, b) => a - b);
}

export function fmt(n: number): string {
  return n.toFixed(1);
}

/** Logs in as the bench's admin and returns the session cookie as "name=value". */
export async function adminCookie(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ login: "admin", password }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0];
}
