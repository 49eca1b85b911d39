import { notFound } from "next/navigation";
import { ReplicationDetail } from "@/components/replication/replication-detail";

export default async function ReplicationClusterPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const clusterId = Number(id);
  if (!Number.isInteger(clusterId) || clusterId <= 0) notFound();
  return <ReplicationDetail clusterId={clusterId} />;
}
