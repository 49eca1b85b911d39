import { NextResponse } from "next/server";
import { requireUser } from "@/lib/auth/guard";
import { api } from "@/lib/http/handler";

export const GET = api(async (req: Request) => {
  const user = await requireUser(req, "viewer");
  return NextResponse.json({ id: user.id, login: user.login, role: user.role });
});
