import { daemonConfigGet } from "@/lib/config/daemon-config-route";

export const dynamic = "force-dynamic";

/** The Director's bconsole.conf from the model (passwords masked), with the validator's problems and the diff against the last deployed file. */
export const GET = daemonConfigGet("consoles");
