/**
 * GET /api/config/clients/[id] and /api/config/consoles/[id]: a Client's bacula-fd.conf and a
 * Director's bconsole.conf as rendered from the model now, with the validator's problems and what
 * was last deployed (no SSH: from the deploy records). Same shape as the Director's and the SD's
 * previews: {text, renderError, problems, revision, deployed}. The routes mask the passwords.
 */
import { RenderError, renderConsole, renderFileDaemon, validateConsole, validateFileDaemon, type Problem } from "@/lib/bacula";
import { prisma } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { loadConsoleConfig, loadFileDaemonConfig } from "./fd-from-db";
import { modelRevision } from "./from-db";

export interface DeployedState {
  at: string | null;
  by: string | null;
  runId: number | null;
  drift: "in_sync" | "model_changed" | "live_changed" | "never_deployed" | "unknown";
}

export interface DaemonConfigPreview {
  revision: number;
  text: string | null;
  renderError: { resource: string; name: string; field: string; message: string } | null;
  problems: Problem[];
  deployed: DeployedState | null;
}

function renderOrError(render: () => string): Pick<DaemonConfigPreview, "text" | "renderError"> {
  try {
    return { text: render(), renderError: null };
  } catch (e) {
    if (e instanceof RenderError) return { text: null, renderError: { resource: e.resource, name: e.resourceName, field: e.path || e.directive, message: e.message } };
    throw e;
  }
}

async function deployedOf(kind: "client" | "director", id: number): Promise<DeployedState | null> {
  // listTargets computes drift against the model (keyed hashes, no SSH); imported lazily: the deploy service pulls in ssh2.
  const { listTargets } = await import("@/lib/deploy/service");
  const [t] = await listTargets([`${kind}:${id}`]);
  if (!t) return null;
  return { at: t.lastDeploy.at, by: t.lastDeploy.by, runId: t.lastDeploy.runId, drift: t.drift };
}

export async function fileDaemonConfigPreview(clientId: number): Promise<DaemonConfigPreview & { client: { id: number; name: string; director: string; version: string; hostId: number | null; path: string } }> {
  const row = await prisma.client.findUnique({ where: { id: clientId }, include: { director: { select: { name: true } } } });
  if (!row) throw notFound(`Client ${clientId} does not exist`);
  const [cfg, revision] = await Promise.all([loadFileDaemonConfig(prisma, clientId), modelRevision(prisma)]);
  return {
    client: { id: row.id, name: row.name, director: row.director.name, version: row.fdVersion, hostId: row.hostId, path: `${row.fdConfigDir.replace(/\/$/, "")}/bacula-fd.conf` },
    revision,
    ...renderOrError(() => renderFileDaemon(cfg, { revision })),
    problems: validateFileDaemon(cfg),
    deployed: row.hostId ? await deployedOf("client", clientId) : null,
  };
}

export async function consoleConfigPreview(directorId: number): Promise<DaemonConfigPreview & { director: { id: number; name: string; role: string } }> {
  const row = await prisma.director.findUnique({ where: { id: directorId } });
  if (!row) throw notFound(`Director ${directorId} does not exist`);
  const [cfg, revision] = await Promise.all([loadConsoleConfig(prisma, directorId), modelRevision(prisma)]);
  return {
    director: { id: row.id, name: row.name, role: row.role },
    revision,
    ...renderOrError(() => renderConsole(cfg, { revision })),
    problems: validateConsole(cfg, row.version),
    // Deployed with the Director (one target, both files).
    deployed: row.hostId ? await deployedOf("director", directorId) : null,
  };
}
