import { prisma } from "../lib/db/client";
import { demoSeedWanted, seedDemo } from "../lib/demo/seed";

if (!demoSeedWanted()) {
  console.log("DEMO_SEED=0: demo topology not loaded");
} else {
  const loaded = await seedDemo(prisma, { actor: "npm run seed" });
  console.log(loaded ? "demo topology loaded" : "database already holds a topology: demo not loaded");
}
await prisma.$disconnect();
