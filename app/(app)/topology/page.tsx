import { TopologyPage } from "@/components/topology/topology-page";

export default function Topology() {
  return <TopologyPage />;
}
