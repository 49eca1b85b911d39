import { daemonConfigGet } from "@/lib/config/daemon-config-route";

export const dynamic = "force-dynamic";

/** GET /api/config/{directors|storage-daemons|clients|consoles}/{id}: the config page's file (lib/config/daemon-config.ts). */
export const GET = daemonConfigGet();
