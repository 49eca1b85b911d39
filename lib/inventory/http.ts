/**
 * GET /api/{kind}: one page of a resource list (viewer). The route handler (app/api/[kind]/route.ts)
 * and the server's fast path (listFastRoute, run by scripts/serve.mjs before Next) both answer
 * through `listAnswer`, so they authorise, validate and fail the same way.
 */
import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";
import { serveWith, webRequest, type FastRoute } from "@/lib/http/fast-route";
import { kindParam, searchParams } from "@/lib/http/kind";
import { isKind } from "./fields";
import { listResources } from "./service";

export async function listAnswer(req: Request, kind: string): Promise<Response> {
  await requireUser(req, "viewer");
  return NextResponse.json(await listResources(kindParam(kind), searchParams(req)));
}

const list = api<string>((req, kind) => listAnswer(req, kind));

/** `/api/{kind}` with an optional query string; the kind one of the inventory's. */
const LIST_PATH = /^\/api\/([a-z-]+)(?:\?|$)/;

export const listFastRoute: FastRoute = (req, res) => {
  if (req.method !== "GET") return false;
  const m = LIST_PATH.exec(req.url ?? "");
  if (!m || !isKind(m[1])) return false;
  const kind = m[1];
  serveWith(req, res, () => list(webRequest(req), kind), "inventory list");
  return true;
};
