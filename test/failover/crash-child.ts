/**
 * Child process of crash.test.ts: runs one persisted promotion with the real machine and, once
 * the step named by KILL_AFTER is persisted as finished, prints "PAUSED <step>" and waits forever
 * for the parent's SIGKILL (an app crash between two steps).
 * Env: DATABASE_URL, APP_KEY_FILE (inherited), PROMOTION_ID, KILL_AFTER.
 */
const { failoverDeps, runOperation } = await import("@/lib/failover/machine");
const id = Number(process.env.PROMOTION_ID);
const killAfter = process.env.KILL_AFTER;
await runOperation(
  failoverDeps({
    afterStep: async (step) => {
      if (step === killAfter) {
        process.stdout.write(`PAUSED ${step}\n`);
        await new Promise(() => undefined);
      }
    },
  }),
  id,
);
process.stdout.write("FINISHED\n");
export {};
