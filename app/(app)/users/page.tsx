import { UserAdmin } from "@/components/user-admin";
import { pageUser } from "@/lib/auth/page";

export default async function UsersPage() {
  await pageUser("admin");
  return <UserAdmin />;
}
