import { ReadinessPanel } from "@/components/drill/readiness-panel";
import { HomeSummary } from "@/components/home-summary";
import { PageTitle } from "@/components/ui";

export default function HomePage() {
  return (
    <>
      <PageTitle subtitle="Directors, Storage Daemons, storage groups and catalog replication at a glance">Overview</PageTitle>
      <HomeSummary />
      <div className="mt-6">
        <ReadinessPanel compact />
      </div>
    </>
  );
}
