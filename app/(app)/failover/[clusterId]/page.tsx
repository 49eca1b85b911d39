import { notFound } from "next/navigation";
import { pageUser } from "@/lib/auth/page";
import { FailoverPanel } from "@/components/failover/failover-panel";

export default async function FailoverClusterPage({ params }: { params: Promise<{ clusterId: string }> }) {
  await pageUser("admin");
  const { clusterId } = await params;
  const id = Number(clusterId);
  if (!Number.isInteger(id) || id <= 0) notFound();
  return <FailoverPanel clusterId={id} />;
}
