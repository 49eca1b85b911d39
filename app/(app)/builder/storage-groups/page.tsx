import { StorageGroupBuilder } from "@/components/builders/storage-group-builder";

export default function StorageGroupBuilderPage() {
  return <StorageGroupBuilder />;
}
