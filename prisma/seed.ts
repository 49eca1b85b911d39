import { prisma } from "../lib/db/client";
import { seedDemo } from "../lib/demo/seed";

const loaded = await seedDemo(prisma, { actor: "npm run seed" });
console.log(loaded ? "demo topology loaded" : "database already holds a topology: demo not loaded");
await prisma.$disconnect();
