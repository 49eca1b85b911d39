/**
 * The generated config file of one record, as the config page shows it (GET /api/config/{kind}/{id}):
 * the whole file as a deploy would write it (passwords masked), the validator's problems, why a
 * deploy would be refused, and the diff against the last deployed file (from the deploy history,
 * lib/deploy/deployed-files.ts). The unmasked text only through `revealDaemonConfig`, which the
 * admin-only POST route audits.
 *
 * Generic over lib/config/daemon-kinds.ts: a kind is rendered once a renderer is registered here
 * (`registerDaemonConfigRenderer`): Directors, Storage Daemons, File Daemons (a Client's
 * bacula-fd.conf) and consoles (a Director's bconsole.conf). A kind whose deploy target carries a
 * file of its name shows exactly that file. Server-side only.
 */
import { posix } from "node:path";
import { createTwoFilesPatch } from "diff";
import { directorConfigPreview, storageDaemonConfigPreview } from "@/lib/builder/service";
import { prisma } from "@/lib/db/client";
import { lastDeployedFile } from "@/lib/deploy/deployed-files";
import { maskConfigSecrets } from "@/lib/deploy/mask";
import { parseTargetKey, planTargets } from "@/lib/deploy/service";
import { notFound } from "@/lib/http/errors";
import { KINDS } from "@/lib/inventory/fields";
import { delegate } from "@/lib/inventory/service";
import { DAEMON_CONFIG_KINDS, type DaemonConfigKind, type DaemonConfigView } from "./daemon-kinds";
import { consoleConfigRender, fileDaemonConfigRender } from "./daemon-preview";

/** What a renderer gives for one record: the whole file (unmasked) and the validator's problems. */
export interface DaemonConfigRender {
  name: string;
  revision: number;
  text: string | null;
  renderError: DaemonConfigView["renderError"];
  problems: DaemonConfigView["problems"];
}

export type DaemonConfigRenderer = (id: number) => Promise<DaemonConfigRender>;

const renderers = new Map<DaemonConfigKind, DaemonConfigRenderer>();

/** Plug a kind's renderer in (the File Daemon and console renderers register here when they land). */
export function registerDaemonConfigRenderer(kind: DaemonConfigKind, fn: DaemonConfigRenderer): void {
  renderers.set(kind, fn);
}

registerDaemonConfigRenderer("directors", async (id) => {
  const p = await directorConfigPreview(id);
  return { name: p.director.name, revision: p.revision, text: p.text, renderError: p.renderError, problems: p.problems };
});
registerDaemonConfigRenderer("storage-daemons", async (id) => {
  const p = await storageDaemonConfigPreview(id);
  return { name: p.storageDaemon.name, revision: p.revision, text: p.text, renderError: p.renderError, problems: p.problems };
});

registerDaemonConfigRenderer("clients", fileDaemonConfigRender);
registerDaemonConfigRenderer("consoles", consoleConfigRender);

const REVISION_LINE = /^# Model revision: .*$/m;

async function recordName(kind: DaemonConfigKind, id: number): Promise<string> {
  const meta = DAEMON_CONFIG_KINDS[kind];
  const row = await delegate(prisma, meta.record).findUnique({ where: { id } });
  if (!row) throw notFound(`${KINDS[meta.record].label} ${id} does not exist`);
  return String(row.name);
}

/** The file as the deploy target would write it, and why a deploy of it would be refused now. */
async function planned(kind: DaemonConfigKind, id: number): Promise<{ path: string | null; content: string | null; problems: string[] }> {
  const meta = DAEMON_CONFIG_KINDS[kind];
  const key = `${meta.deployKind}:${id}`;
  if (!parseTargetKey(key)) return { path: null, content: null, problems: [] };
  const [plan] = await planTargets([key]);
  const file = plan?.target.files.find((f) => posix.basename(f.path) === meta.file);
  return { path: file?.path ?? null, content: file?.content ? file.content : null, problems: plan?.problems ?? [] };
}

interface Rendered {
  render: DaemonConfigRender;
  path: string | null;
  /** Unmasked: what a deploy writes when it renders, else the renderer's text. */
  text: string | null;
  deployProblems: string[];
}

async function renderOf(kind: DaemonConfigKind, id: number): Promise<Rendered | null> {
  const renderer = renderers.get(kind);
  if (!renderer) return null;
  const [render, plan] = await Promise.all([renderer(id), planned(kind, id)]);
  return { render, path: plan.path, text: plan.content ?? render.text, deployProblems: plan.problems };
}

/** GET /api/config/{kind}/{id}: passwords masked everywhere. */
export async function daemonConfigView(kind: DaemonConfigKind, id: number): Promise<DaemonConfigView> {
  const meta = DAEMON_CONFIG_KINDS[kind];
  const r = await renderOf(kind, id);
  const name = r?.render.name ?? (await recordName(kind, id));
  const base = { kind, file: meta.file, record: { kind: meta.record, id, name } };
  if (!r) {
    return {
      ...base,
      rendered: false,
      reason: `The dashboard does not render ${meta.file} yet: this ${meta.recordLabel}'s ${meta.label} configuration is not generated, so there is nothing to show or deploy.`,
      revision: 0,
      text: null,
      renderError: null,
      problems: [],
      deployProblems: [],
      path: null,
      deployed: null,
      diff: null,
    };
  }
  const text = r.text === null ? null : maskConfigSecrets(r.text);
  const deployed = await lastDeployedFile(`${meta.deployKind}:${id}`, meta.file);
  let diff: string | null = null;
  let onlyRevisionDiffers = false;
  if (deployed?.text != null && text !== null) {
    const strip = (t: string) => t.replace(REVISION_LINE, "");
    if (strip(deployed.text) === strip(text)) {
      diff = "";
      onlyRevisionDiffers = deployed.text !== text;
    } else {
      diff = createTwoFilesPatch(`deployed (run #${deployed.runId}) ${deployed.path}`, `model now ${r.path ?? deployed.path}`, deployed.text, text, undefined, undefined, { context: 3 });
    }
  }
  return {
    ...base,
    rendered: true,
    revision: r.render.revision,
    text,
    renderError: r.render.renderError,
    problems: r.render.problems,
    deployProblems: r.deployProblems,
    path: r.path,
    deployed,
    diff,
    onlyRevisionDiffers,
  };
}

/** The unmasked file, for the admin-only, audited reveal. */
export async function revealDaemonConfig(kind: DaemonConfigKind, id: number): Promise<{ name: string; file: string; text: string | null }> {
  const r = await renderOf(kind, id);
  if (!r) {
    await recordName(kind, id);
    return { name: "", file: DAEMON_CONFIG_KINDS[kind].file, text: null };
  }
  return { name: r.render.name, file: DAEMON_CONFIG_KINDS[kind].file, text: r.text };
}
