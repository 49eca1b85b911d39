import { hashPassword } from "@/lib/auth/password";
import { prisma } from "@/lib/db/client";
import { POST as loginRoute } from "@/app/api/auth/login/route";
import { call, cookieFrom } from "../support/api";

export async function makeUser(login: string, role: "viewer" | "operator" | "admin", password = "correct-horse-battery") {
  await prisma.user.create({ data: { login, role, passwordHash: await hashPassword(password) } });
  const res = await call(loginRoute as never, "/api/auth/login", { method: "POST", body: { login, password } });
  if (res.status !== 200) throw new Error(`login failed for ${login}: ${JSON.stringify(res.json)}`);
  return cookieFrom(res);
}
