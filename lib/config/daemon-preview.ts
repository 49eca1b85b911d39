/**
 * The File Daemon's bacula-fd.conf of a Client and the bconsole.conf of a Director, rendered from
 * the model now with the validator's problems: the renderers of the config page's "clients" and
 * "consoles" kinds (lib/config/daemon-config.ts), beside the Director's and the SD's.
 */
import { RenderError, renderConsole, renderFileDaemon, validateConsole, validateFileDaemon } from "@/lib/bacula";
import { prisma } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import type { DaemonConfigRender } from "./daemon-config";
import { loadConsoleConfig, loadFileDaemonConfig } from "./fd-from-db";
import { modelRevision } from "./from-db";

function renderOrError(render: () => string): Pick<DaemonConfigRender, "text" | "renderError"> {
  try {
    return { text: render(), renderError: null };
  } catch (e) {
    if (e instanceof RenderError) return { text: null, renderError: { resource: e.resource, name: e.resourceName, field: e.path || e.directive, message: e.message } };
    throw e;
  }
}

export async function fileDaemonConfigRender(clientId: number): Promise<DaemonConfigRender> {
  const row = await prisma.client.findUnique({ where: { id: clientId } });
  if (!row) throw notFound(`Client ${clientId} does not exist`);
  const [cfg, revision] = await Promise.all([loadFileDaemonConfig(prisma, clientId), modelRevision(prisma)]);
  return { name: row.name, revision, ...renderOrError(() => renderFileDaemon(cfg, { revision })), problems: validateFileDaemon(cfg) };
}

export async function consoleConfigRender(directorId: number): Promise<DaemonConfigRender> {
  const row = await prisma.director.findUnique({ where: { id: directorId } });
  if (!row) throw notFound(`Director ${directorId} does not exist`);
  const [cfg, revision] = await Promise.all([loadConsoleConfig(prisma, directorId), modelRevision(prisma)]);
  return { name: row.name, revision, ...renderOrError(() => renderConsole(cfg, { revision })), problems: validateConsole(cfg, row.version) };
}
