import type { ReactNode } from "react";
import { pageUser } from "@/lib/auth/page";
import { Nav } from "@/components/nav";
import { UserProvider } from "@/components/user-context";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await pageUser("viewer");
  return (
    <UserProvider user={{ login: user.login, role: user.role }}>
      <div className="flex min-h-screen">
        <Nav login={user.login} role={user.role} />
        <main id="main" className="flex-1 overflow-x-auto p-6">
          {children}
        </main>
      </div>
    </UserProvider>
  );
}
