import { notFound } from "next/navigation";
import { ResourceForm } from "@/components/resource-form";
import { isKind } from "@/lib/inventory/fields";

export default async function EditPage({ params }: { params: Promise<{ kind: string; id: string }> }) {
  const { kind, id } = await params;
  const numeric = Number(id);
  if (!isKind(kind) || !Number.isInteger(numeric) || numeric <= 0) notFound();
  return <ResourceForm kind={kind} id={numeric} />;
}
