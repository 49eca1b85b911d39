const BRAND = Symbol.for("bacula-ha-dashboard.AppDatabaseUnavailableError");

/**
 * The app's own database cannot be written: no server of DATABASE_URL accepts writes (the primary's
 * site is lost and no standby was promoted yet), or more than one does (an old primary came back
 * after a promotion: writing to either would split the app's data). Route handlers answer 503.
 */
export class AppDatabaseUnavailableError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly reason: "none_writable" | "several_writable" | "unreachable",
    message: string,
  ) {
    super(message);
    this.name = "AppDatabaseUnavailableError";
  }
}

/**
 * Whether `err` is one, also when it crossed a copy of this module (the server build bundles the
 * database client and the route handlers into separate chunks, so `instanceof` alone can miss).
 */
export function isAppDatabaseUnavailable(err: unknown): err is AppDatabaseUnavailableError {
  return err instanceof AppDatabaseUnavailableError || (typeof err === "object" && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true);
}

/**
 * Whether `err` says the app's database is down or takes no writes (not that the request was
 * wrong): ours, or Prisma's "can't reach the database server" (P1001).
 */
export function isAppDatabaseDown(err: unknown): boolean {
  return isAppDatabaseUnavailable(err) || (typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P1001");
}
