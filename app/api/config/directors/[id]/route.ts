import { daemonConfigGet } from "@/lib/config/daemon-config-route";

export const dynamic = "force-dynamic";

/** The Director's current model rendered as bacula-dir.conf (passwords masked), with the validator's problems and the diff against the last deployed file. */
export const GET = daemonConfigGet("directors");
