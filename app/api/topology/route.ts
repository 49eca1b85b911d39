import { NextResponse } from "next/server";
import { z } from "zod";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { getTopology } from "@/lib/topology/service";

const query = z.object({ jobs: z.enum(["auto", "all", "none"], { error: "must be auto, all or none" }).default("auto") });

/** The whole HA layout: nodes, edges, sites with the layout, and the live state (viewer). */
export const GET = api(async (req: Request) => {
  await requireUser(req, "viewer");
  const { jobs } = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  return NextResponse.json(await getTopology({ jobs }), { headers: { "cache-control": "no-store" } });
});
