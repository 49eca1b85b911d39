import { NextResponse } from "next/server";
import { audit } from "@/lib/audit";
import { assertSameOrigin, clientIp, currentUser } from "@/lib/auth/guard";
import { clearSessionCookie, destroySession } from "@/lib/auth/session";
import { api } from "@/lib/http/handler";

export const POST = api(async (req: Request) => {
  assertSameOrigin(req);
  const user = await currentUser(req);
  if (user) {
    await destroySession(user.sessionId);
    await audit({ actor: user.login, action: "logout", entityType: "user", entityId: user.id, entityName: user.login, ip: clientIp(req) });
  }
  const res = NextResponse.json({ ok: true });
  res.headers.append("set-cookie", clearSessionCookie());
  return res;
});
