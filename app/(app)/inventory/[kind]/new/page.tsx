import { notFound } from "next/navigation";
import { ResourceForm } from "@/components/resource-form";
import { pageUser } from "@/lib/auth/page";
import { isKind } from "@/lib/inventory/fields";

export default async function NewPage({ params }: { params: Promise<{ kind: string }> }) {
  const { kind } = await params;
  if (!isKind(kind)) notFound();
  await pageUser("operator");
  return <ResourceForm kind={kind} />;
}
