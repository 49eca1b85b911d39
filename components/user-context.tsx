"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { Role } from "@/lib/auth/roles";

export interface CurrentUser {
  login: string;
  role: Role;
}

const UserContext = createContext<CurrentUser | null>(null);

export function UserProvider({ user, children }: { user: CurrentUser; children: ReactNode }) {
  return <UserContext.Provider value={user}>{children}</UserContext.Provider>;
}

export function useCurrentUser(): CurrentUser {
  const user = useContext(UserContext);
  if (!user) throw new Error("useCurrentUser outside UserProvider");
  return user;
}

export function useCan(role: Role): boolean {
  const user = useCurrentUser();
  const rank = { viewer: 0, operator: 1, admin: 2 } as const;
  return rank[user.role] >= rank[role];
}
