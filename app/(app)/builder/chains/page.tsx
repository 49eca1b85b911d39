import { ChainBuilder } from "@/components/builders/chain-builder";

export default function ChainBuilderPage() {
  return <ChainBuilder />;
}
