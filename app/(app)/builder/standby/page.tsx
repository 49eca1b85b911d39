import { StandbyReplication } from "@/components/builders/standby-replication";

export default function StandbyReplicationPage() {
  return <StandbyReplication />;
}
