/**
 * Checks on the host itself, over the deploy's SSH transport, argv only: that bconsole is an
 * executable regular file that is not (and does not resolve to) a shell or an interpreter, and
 * that its config is a readable regular file. Run when an admin saves the paths and again in every
 * deploy's test step, before bconsole is ever run.
 */
import { posix } from "node:path";
import type { FieldError } from "@/lib/http/errors";
import { isInterpreter } from "./commands";
import type { Transport } from "./engine";

export interface HostCheck {
  /** The setting it comes from (bconsolePath, bconsoleConfig): errors name it. */
  field: string;
  path: string;
  kind: "program" | "file";
}

const TIMEOUT_MS = 15_000;

async function succeeds(tr: Transport, argv: string[]): Promise<boolean> {
  const r = await tr.exec(argv, { timeoutMs: TIMEOUT_MS });
  return r.code === 0;
}

/** The problems found (empty: all good). Nothing of the files' contents is read. */
export async function runHostChecks(tr: Transport, checks: readonly HostCheck[], hostName: string): Promise<FieldError[]> {
  const out: FieldError[] = [];
  for (const c of checks) {
    if (!(await succeeds(tr, ["test", "-f", c.path]))) {
      out.push({ field: c.field, rule: "regular-file", message: `${c.path} is not a regular file on ${hostName}` });
      continue;
    }
    if (c.kind === "file") {
      if (!(await succeeds(tr, ["test", "-r", c.path]))) out.push({ field: c.field, rule: "readable", message: `${c.path} is not readable by the SSH user on ${hostName}` });
      continue;
    }
    if (!(await succeeds(tr, ["test", "-x", c.path]))) {
      out.push({ field: c.field, rule: "executable", message: `${c.path} is not executable on ${hostName}` });
      continue;
    }
    const resolved = await tr.exec(["readlink", "-e", "--", c.path], { timeoutMs: TIMEOUT_MS });
    const target = resolved.stdout.trim();
    if (resolved.code !== 0 || !target.startsWith("/")) {
      out.push({ field: c.field, rule: "regular-file", message: `${c.path} cannot be resolved on ${hostName}` });
    } else if (isInterpreter(target)) {
      out.push({ field: c.field, rule: "interpreter", message: `${c.path} is ${posix.basename(target)} on ${hostName}: a shell or an interpreter, not bconsole` });
    }
  }
  return out;
}
