import { ConfigImport } from "@/components/config-import";
import { pageUser } from "@/lib/auth/page";

export default async function ImportPage() {
  await pageUser("operator");
  return <ConfigImport />;
}
