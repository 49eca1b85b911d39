import { SetupAssistant } from "@/components/replication/setup-assistant";
import { PageTitle } from "@/components/ui";

export default async function ReplicationSetupPage({ searchParams }: { searchParams: Promise<{ cluster?: string }> }) {
  const { cluster } = await searchParams;
  const id = Number(cluster);
  return (
    <>
      <PageTitle subtitle="Roles, pg_hba.conf, postgresql.conf, the standby clone and the checks, for your PostgreSQL version">
        Replication setup assistant
      </PageTitle>
      <SetupAssistant clusterId={Number.isInteger(id) && id > 0 ? id : null} />
    </>
  );
}
