/**
 * The files a deploy put on its hosts, kept (passwords masked) in the run's history so that the
 * config page can show the last deployed file and its diff against the model now. Only the masked
 * text is stored: nothing here holds a password. Server-side only.
 */
import { posix } from "node:path";
import { prisma } from "@/lib/db/client";
import { maskConfigSecrets } from "./mask";

interface DeployedFile {
  path: string;
  /** The file as deployed, passwords masked. */
  text?: string;
  [key: string]: unknown;
}

const DEPLOYED = ["succeeded", "unchanged"];

/**
 * After a real deploy (not a dry run): each target that ended with the model's files on its host
 * (succeeded, unchanged) gets the masked text of each file in its history row. The rows are read
 * in one query; the result, [history row id, files] per target, is for the caller to write with the
 * run's outcome (one commit for every target, not one per target).
 */
export async function deployedFileRows(
  rows: ReadonlyMap<string, number>,
  plans: readonly { target: { key: string; files: readonly { path: string; content: string }[] } }[],
  results: readonly { key: string; status: string }[],
): Promise<[number, DeployedFile[]][]> {
  const wanted: { id: number; files: readonly { path: string; content: string }[] }[] = [];
  for (const r of results) {
    if (!DEPLOYED.includes(r.status)) continue;
    const id = rows.get(r.key);
    const plan = plans.find((p) => p.target.key === r.key);
    if (id && plan) wanted.push({ id, files: plan.target.files });
  }
  if (wanted.length === 0) return [];
  const current = await prisma.deployTargetRun.findMany({ where: { id: { in: wanted.map((w) => w.id) } }, select: { id: true, files: true } });
  const storedOf = new Map(current.map((row) => [row.id, Array.isArray(row.files) ? (row.files as unknown as DeployedFile[]) : []]));
  return wanted.map(({ id, files: planned }) => {
    const stored = storedOf.get(id) ?? [];
    return [id, planned.map((f) => ({ ...(stored.find((s) => s.path === f.path) ?? { path: f.path }), text: maskConfigSecrets(f.content) }))];
  });
}

export interface LastDeployedFile {
  runId: number;
  at: string;
  by: string;
  path: string;
  /** Masked; null when the deploy was made before the dashboard kept the text. */
  text: string | null;
}

/** The newest successful deploy (not a dry run) of target `key` that carried a file named `fileName`. */
export async function lastDeployedFile(key: string, fileName: string): Promise<LastDeployedFile | null> {
  const rows = await prisma.deployTargetRun.findMany({
    where: { targetKey: key, status: { in: DEPLOYED }, run: { dryRun: false } },
    orderBy: { id: "desc" },
    take: 20,
    select: { runId: true, files: true, finishedAt: true, startedAt: true, run: { select: { actor: true } } },
  });
  for (const r of rows) {
    const files = Array.isArray(r.files) ? (r.files as unknown as DeployedFile[]) : [];
    const f = files.find((x) => typeof x.path === "string" && posix.basename(x.path) === fileName);
    if (!f) continue;
    return { runId: r.runId, at: (r.finishedAt ?? r.startedAt).toISOString(), by: r.run.actor, path: f.path, text: typeof f.text === "string" ? f.text : null };
  }
  return null;
}
