import { pageUser } from "@/lib/auth/page";
import { FailoverClusterList } from "@/components/failover/failover-panel";

export default async function FailoverPage() {
  await pageUser("admin");
  return <FailoverClusterList />;
}
