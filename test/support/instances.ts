/**
 * Real app server processes for tests: `scripts/serve.mjs` (what `npm start` runs) on the
 * production build, on a free loopback port, with the environment given; and small HTTP helpers.
 * The build is made when missing (`next build`, a minute or two); scripts/test-all.sh runs the
 * tests that use this after its build step.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "./net";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number, every = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(every);
  }
}

export const distDir = process.env.NEXT_DIST_DIR ?? ".next";

export function ensureBuild(): void {
  if (fs.existsSync(path.join(distDir, "BUILD_ID"))) return;
  execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, timeout: 600_000 });
}

export interface Instance {
  name: string;
  port: number;
  proc: ChildProcess;
  log: () => string;
  exited: Promise<void>;
}

/** Starts one instance and waits until it listens. */
export async function startInstance(name: string, env: Record<string, string>, list?: Instance[]): Promise<Instance> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["--require", "./scripts/http-limits.cjs", "scripts/serve.mjs"], {
    cwd: process.cwd(),
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), DEMO_SEED: "0", NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const inst: Instance = { name, port, proc, log: () => out, exited };
  list?.push(inst);
  const t0 = Date.now();
  while (!/ready on http/.test(out)) {
    if (proc.exitCode !== null) throw new Error(`${name} exited: ${out}`);
    if (Date.now() - t0 > 90_000) throw new Error(`${name} did not start: ${out}`);
    await sleep(100);
  }
  return inst;
}

/** SIGKILL; resolves with the moment it was sent, once the process is gone. */
export async function kill(inst: Instance): Promise<number> {
  inst.proc.kill("SIGKILL");
  const at = Date.now();
  await inst.exited;
  return at;
}

export async function stopAll(list: Instance[]): Promise<void> {
  for (const i of list) if (i.proc.exitCode === null && i.proc.signalCode === null) i.proc.kill("SIGKILL");
  await Promise.all(list.map((i) => i.exited));
}

export async function req(inst: Instance, method: string, url: string, o: { cookie?: string; body?: unknown } = {}) {
  const res = await fetch(`http://127.0.0.1:${inst.port}${url}`, {
    method,
    headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json: json as Record<string, unknown>, text, headers: res.headers };
}

/** Logs in; returns the Cookie header value, or null with the status when refused. */
export async function loginAs(inst: Instance, login: string, password: string): Promise<{ cookie: string | null; status: number; text: string }> {
  const r = await req(inst, "POST", "/api/auth/login", { body: { login, password } });
  return { cookie: r.status === 200 ? (r.headers.get("set-cookie") ?? "").split(";")[0] : null, status: r.status, text: r.text };
}
