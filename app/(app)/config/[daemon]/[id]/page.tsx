import { notFound } from "next/navigation";
import { ConfigViewPage } from "@/components/config-view-page";
import { isDaemonConfigKind } from "@/lib/config/daemon-kinds";

/** /config/{directors|storage-daemons|clients|consoles}/{id}: one record's generated config file. */
export default async function ConfigPage({ params }: { params: Promise<{ daemon: string; id: string }> }) {
  const { daemon, id } = await params;
  const numeric = Number(id);
  if (!isDaemonConfigKind(daemon) || !/^\d{1,10}$/.test(id) || numeric <= 0) notFound();
  return <ConfigViewPage kind={daemon} id={numeric} />;
}
