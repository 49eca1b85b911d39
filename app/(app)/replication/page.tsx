import Link from "next/link";
import { ReplicationList } from "@/components/replication/replication-list";
import { PageTitle } from "@/components/ui";

export default function ReplicationPage() {
  return (
    <>
      <PageTitle
        subtitle="Live state of the PostgreSQL catalog clusters: roles, lags, slots and health, refreshed every few seconds"
        actions={<Link href="/replication/setup" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">Setup assistant</Link>}
      >
        Catalog replication
      </PageTitle>
      <ReplicationList />
    </>
  );
}
