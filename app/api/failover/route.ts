import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { prisma } from "@/lib/db/client";
import { api } from "@/lib/http/handler";

/** Catalog clusters that can be promoted, with their members' roles (admin). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "admin");
  const rows = await prisma.catalogCluster.findMany({
    orderBy: { name: "asc" },
    include: { members: { select: { id: true, name: true, role: true, fenced: true, fenceState: true }, orderBy: { name: "asc" } } },
  });
  return NextResponse.json({ clusters: rows.map((c) => ({ id: c.id, name: c.name, members: c.members })) }, { headers: { "cache-control": "no-store" } });
});
