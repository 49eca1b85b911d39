/**
 * Test helper: run Bacula's own config parsers (bdirjson / bsdjson) on a config string.
 * Writes the text to a temp file under os.tmpdir() (absolute path: with a bare file name
 * Bacula looks in /etc/bacula) and returns the exit code, output and parsed JSON.
 *
 * A missing binary throws a clear error: tests must fail, not skip, where Bacula is absent.
 */
import { runBaculaTool } from "../tool-run";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const BACULA_BINARIES = {
  bdirjson: "/usr/sbin/bdirjson",
  bsdjson: "/usr/sbin/bsdjson",
  bfdjson: "/usr/sbin/bfdjson",
  bbconsjson: "/usr/sbin/bbconsjson",
} as const;
export type BaculaJsonTool = keyof typeof BACULA_BINARIES;

export interface BaculaBinResult {
  /** Exit code (0 good, 1 bad config); -1 when killed by a signal (bacula-dir can crash on huge tokens). */
  code: number;
  signal: string | null;
  /** Bacula prints its messages on stdout. Decoded leniently: it may print invalid UTF-8. */
  stdout: string;
  stderr: string;
  /** Parsed stdout when it is JSON (not with `test: true`). */
  json: unknown;
  /** The config file that was checked. */
  file: string;
}

export interface RunOptions {
  /** `-t`: only test the config (exit code), no JSON. */
  test?: boolean;
  /** Extra arguments, e.g. ["-r", "Job"]. */
  args?: string[];
  /** Directory for the config file (default: a fresh temp dir, removed afterwards). */
  dir?: string;
  timeoutMs?: number;
}

/** Path of a Bacula tool; throws a clear error when it is not installed. */
export function requireBaculaBinary(tool: BaculaJsonTool): string {
  const bin = process.env[`BACULA_${tool.toUpperCase()}`] ?? BACULA_BINARIES[tool];
  if (!existsSync(bin)) {
    throw new Error(
      `${tool} not found at ${bin}: install Bacula 15 (Debian: apt-get install -t bookworm-backports bacula-director bacula-sd) ` +
        `or set BACULA_${tool.toUpperCase()} to its path`,
    );
  }
  return bin;
}

/**
 * A temp directory with `work/` (Bacula refuses a WorkingDirectory that does not exist)
 * and `run/`, for use in test configs. Call `cleanup()` when done.
 */
export function makeBaculaTempDir(prefix = "bacula-test-"): { root: string; work: string; run: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const work = path.join(root, "work");
  const run = path.join(root, "run");
  mkdirSync(work);
  mkdirSync(run);
  return { root, work, run, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function runBaculaJson(tool: BaculaJsonTool, configText: string, opts: RunOptions = {}): BaculaBinResult {
  const bin = requireBaculaBinary(tool);
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), `${tool}-`));
  const file = path.join(dir, { bdirjson: "bacula-dir.conf", bsdjson: "bacula-sd.conf", bfdjson: "bacula-fd.conf", bbconsjson: "bconsole.conf" }[tool]);
  try {
    writeFileSync(file, configText, "utf8");
    const args = [...(opts.test ? ["-t"] : []), ...(opts.args ?? []), "-c", file];
    const r = runBaculaTool(bin, args, { timeoutMs: opts.timeoutMs ?? 20_000 });
    if (r.error) throw r.error;
    const dec = new TextDecoder("utf-8", { fatal: false });
    const stdout = dec.decode(r.stdout ?? new Uint8Array());
    const stderr = dec.decode(r.stderr ?? new Uint8Array());
    let json: unknown = undefined;
    if (!opts.test && r.status === 0) {
      try {
        json = JSON.parse(escapeControls(stdout));
      } catch {
        json = undefined;
      }
    }
    return { code: r.status ?? -1, signal: r.signal, stdout, stderr, json, file };
  } finally {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a Bacula tool on a config file where it is (its @ includes resolved by Bacula itself,
 * relative ones from the file's directory, piped ones through Bacula's shell).
 */
export function runBaculaJsonFile(tool: BaculaJsonTool, file: string, opts: { test?: boolean; timeoutMs?: number } = {}): BaculaBinResult {
  const bin = requireBaculaBinary(tool);
  const r = runBaculaTool(bin, [...(opts.test ? ["-t"] : []), "-c", file], { cwd: path.dirname(file), timeoutMs: opts.timeoutMs ?? 20_000 });
  if (r.error) throw r.error;
  const dec = new TextDecoder("utf-8", { fatal: false });
  const stdout = dec.decode(r.stdout ?? new Uint8Array());
  let json: unknown = undefined;
  if (!opts.test && r.status === 0) {
    try {
      json = JSON.parse(escapeControls(stdout));
    } catch {
      json = undefined;
    }
  }
  return { code: r.status ?? -1, signal: r.signal, stdout, stderr: dec.decode(r.stderr ?? new Uint8Array()), json, file };
}

/**
 * bdirjson / bsdjson write a tab or another control character inside a JSON string as it is (not
 * as \t): escape those so that JSON.parse reads the value Bacula holds.
 */
export function escapeControls(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") {
        out += c + (text[++i] ?? "");
        continue;
      }
      if (c === '"') inString = false;
      else if (c < " ") {
        out += `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
        continue;
      }
    } else if (c === '"') inString = true;
    out += c;
  }
  return out;
}

export function runBdirjson(configText: string, opts?: RunOptions): BaculaBinResult {
  return runBaculaJson("bdirjson", configText, opts);
}

export function runBsdjson(configText: string, opts?: RunOptions): BaculaBinResult {
  return runBaculaJson("bsdjson", configText, opts);
}

/** bdirjson/bsdjson print a list of one-key objects: `[{"Job": {...}}, ...]`. Returns the bodies of one type. */
export function resourcesOf(json: unknown, type: string): Record<string, unknown>[] {
  if (!Array.isArray(json)) return [];
  return json
    .filter((r): r is Record<string, Record<string, unknown>> => !!r && typeof r === "object" && type in r)
    .map((r) => r[type]);
}
