/** Runs once when the server starts: first admin (or setup token), and the demo topology on first run. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { ensureFirstAdmin } = await import("@/lib/auth/service");
  const { prisma } = await import("@/lib/db/client");
  const { seedDemo } = await import("@/lib/demo/seed");
  await ensureFirstAdmin();
  if (process.env.DEMO_SEED !== "0" && (await seedDemo(prisma, { actor: "first run" }))) {
    console.log("demo topology loaded (set DEMO_SEED=0 to start empty)");
  }
}
