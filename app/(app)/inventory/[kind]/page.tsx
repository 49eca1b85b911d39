import { notFound } from "next/navigation";
import { ResourceList } from "@/components/resource-list";
import { isKind } from "@/lib/inventory/fields";

export default async function ListPage({ params }: { params: Promise<{ kind: string }> }) {
  const { kind } = await params;
  if (!isKind(kind)) notFound();
  return <ResourceList kind={kind} />;
}
