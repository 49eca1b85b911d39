import { daemonConfigReveal } from "@/lib/config/daemon-config-route";

export const dynamic = "force-dynamic";

/** POST (admin): the file with its passwords, audited as config_reveal; never cached. */
export const POST = daemonConfigReveal();
