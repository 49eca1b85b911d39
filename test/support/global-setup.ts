/**
 * Vitest global setup: with TEST_DB=postgresql, the app's database is PostgreSQL. One cluster for
 * the whole run, its address handed to the test processes through the environment (they are
 * started after this). With the default (SQLite) it does nothing.
 */
import { startAppPostgres, testDialect } from "./appPg";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (testDialect() !== "postgresql") return undefined;
  const t0 = Date.now();
  const { pair, adminUrl } = await startAppPostgres();
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  console.log(`TEST_DB=postgresql: the app's databases on PostgreSQL at 127.0.0.1:${pair.primary.port} (ready in ${Date.now() - t0} ms)`);
  return async () => {
    await pair.stop();
  };
}
