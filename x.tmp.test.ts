import { it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { call } from "@/test/support/api";
freshDatabase();
const { seedDemo } = await import("@/lib/demo/seed");
const { prisma } = await import("@/lib/db/client");
const { makeUser } = await import("@/test/api/fixtures");
const item = await import("@/app/api/[kind]/[id]/route");
it("x", async () => {
  await seedDemo(prisma);
  const admin = await makeUser("a", "admin");
  const sd = await prisma.storageDaemon.findFirstOrThrow();
  const view = await call(item.GET as never, "/x", { cookie: admin, params: { kind: "storage-daemons", id: String(sd.id) } });
  for (const v of ["a\u0000b", "a\ud800b", "a\u0085b", "a\u2028b", "a\ufeffb"]) {
    const body = { ...view.json, description: v, updatedAt: undefined };
    const r = await call(item.PUT as never, "/x", { method: "PUT", cookie: admin, body, params: { kind: "storage-daemons", id: String(sd.id) } });
    console.log(JSON.stringify(v), r.status, JSON.stringify(r.json).slice(0, 200));
  }
});
