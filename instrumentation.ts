/** Runs once when the server starts: first admin (or setup token), and the demo topology on first run. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // What needs the app's database: when it is down or takes no writes at start (a site lost, its
  // standby not promoted yet), the server starts anyway, answers 503 naming the reason, and does
  // this once the database is back.
  const { isAppDatabaseDown } = await import("@/lib/db/errors");
  const startup = async () => {
    const { ensureFirstAdmin } = await import("@/lib/auth/service");
    const { prisma } = await import("@/lib/db/client");
    const { demoSeedWanted, seedDemo } = await import("@/lib/demo/seed");
    await ensureFirstAdmin();
    if (!demoSeedWanted()) console.log("DEMO_SEED=0: no demo topology, the model starts empty");
    else if (await seedDemo(prisma, { actor: "first run" })) console.log("demo topology loaded (set DEMO_SEED=0 to start empty)");
    // Deploys a previous process was running when it stopped are marked interrupted, not left "running".
    const { markInterruptedRuns } = await import("@/lib/deploy/service");
    const stale = await markInterruptedRuns();
    if (stale > 0) console.log(`${stale} deploy run(s) interrupted by the last stop: check the hosts' live configs on the Deploy page`);
    // Promotions / re-attaches a previous process left half done: rolled back or completed (lib/failover/runner.ts).
    const { resumeInterrupted } = await import("@/lib/failover/machine");
    void resumeInterrupted()
      .then((r) => r.filter((x) => x.action !== "skipped").forEach((x) => console.log(`promotion ${x.id}: ${x.action} after restart -> ${x.status}`)))
      .catch((err) => console.error("resuming interrupted promotions failed", err));
  };
  const retryMs = 5000;
  const attempt = async (first: boolean): Promise<void> => {
    try {
      await startup();
      if (!first) console.log("the app's database takes writes again: start-up finished");
    } catch (err) {
      if (!isAppDatabaseDown(err)) throw err;
      if (first) console.error(`the app's database is not usable at start (${err instanceof Error ? err.message : String(err)}): answering 503 and trying again every ${retryMs / 1000} s`);
      setTimeout(() => void attempt(false).catch((e) => console.error("start-up failed", e)), retryMs).unref();
    }
  };
  await attempt(true);
  // Director switchover over the deploy engine (the director_switchover step of site promotions).
  const { registerDirectorDeploy } = await import("@/lib/failover/director-deploy");
  await registerDirectorDeploy();
  const { prisma } = await import("@/lib/db/client");
  // Several instances on one PostgreSQL database: what a stopped instance was doing (deploy runs,
  // operations) is taken over once its leases expire (lib/cluster/takeover.ts).
  const { startTakeoverLoop, takeoverLoopEnabled } = await import("@/lib/cluster/takeover");
  if (takeoverLoopEnabled()) {
    startTakeoverLoop();
    const { INSTANCE_ID, leaseMs } = await import("@/lib/cluster/instance");
    console.log(`instance ${INSTANCE_ID}: leases of ${leaseMs()} ms, stopped instances' work taken over`);
  }
  // Catalog replication poller (REPLICATION_POLL=0 disables it; REPLICATION_POLL_MS sets the interval).
  const { serviceOptionsFromEnv, startReplicationService } = await import("@/lib/replication/service");
  // After each cycle the split-brain guard fences a stale primary (cluster policy autoFence).
  const { createSplitBrainGuard } = await import("@/lib/failover/guard");
  const replication = startReplicationService({ ...serviceOptionsFromEnv(prisma), afterCycle: createSplitBrainGuard({ db: prisma }) });
  if (replication) console.log(`catalog replication poller: every ${replication.intervalMs} ms${replication.role() === "alone" ? "" : " (one leader among the instances)"}`);
  // Answered by scripts/serve.mjs before Next (lib/http/fast-route.ts): GET /api/replication straight
  // from the poller's bytes, the inventory lists GET /api/{kind} and the Import page's upload POST
  // /api/config/import through their route's own handler.
  const { registerFastRoutes } = await import("@/lib/http/fast-route");
  const { statusFastRoute } = await import("@/lib/replication/fast-route");
  const { listFastRoute } = await import("@/lib/inventory/http");
  const { importFastRoute, warmImportRoute } = await import("@/lib/config/import-http");
  registerFastRoutes([statusFastRoute, listFastRoute, importFastRoute]);
  // The topology map's layout and drift digests, ready before the first visit (lib/topology/service.ts).
  const { warmTopology } = await import("@/lib/topology/service");
  // Then the importer (lib/config/warm-import.ts): dry runs only, after the map so as not to slow its first visit.
  const { warmImporter } = await import("@/lib/config/warm-import");
  // The routes call this copy of the importer, the one warmed here (lib/config/importer.ts).
  const { registerImporter } = await import("@/lib/config/importer");
  registerImporter();
  void warmTopology()
    .catch((err) => console.error("topology warm-up failed", err))
    .then(() => warmImporter(prisma, warmImportRoute))
    .then((t) => t && console.log(`importer warmed: ${t.length} dry runs (${t.join(", ")} ms)`))
    .catch((err) => console.error(`import warm-up failed: ${err instanceof Error ? err.message : String(err)}`));
}
