import { NextResponse } from "next/server";
import { assertSameOrigin, clientIp } from "@/lib/auth/guard";
import { login } from "@/lib/auth/service";
import { sessionCookie } from "@/lib/auth/session";
import { AUTH_BODY_LIMIT_BYTES } from "@/lib/http/body";
import { api, readJson } from "@/lib/http/handler";

export const POST = api(async (req: Request) => {
  assertSameOrigin(req);
  const result = await login(await readJson(req, { limitBytes: AUTH_BODY_LIMIT_BYTES }), clientIp(req));
  const res = NextResponse.json({ user: result.user });
  const secure = new URL(req.url).protocol === "https:" || process.env.COOKIE_SECURE === "1";
  res.headers.append("set-cookie", sessionCookie(result.token, result.expiresAt, secure));
  return res;
});
