import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { prisma } from "@/lib/db/client";
import { hasRole, type Role } from "./roles";
import { SESSION_COOKIE, userFromToken, type SessionUser } from "./session";

/** For server-rendered pages: the signed-in user, or a redirect to login (or to setup on first run). */
export async function pageUser(needed: Role = "viewer"): Promise<SessionUser> {
  const jar = await cookies();
  const user = await userFromToken(jar.get(SESSION_COOKIE)?.value);
  if (!user) {
    if ((await prisma.user.count()) === 0) redirect("/setup");
    redirect("/login");
  }
  if (!hasRole(user.role, needed)) redirect("/?denied=" + needed);
  return user;
}
