/**
 * The drift hashes, keyed with the server's secret key (lib/secrets): nothing stored, logged or
 * shown is a plain hash of a file that holds passwords (which would let anyone who sees it test
 * password guesses offline).
 *
 *   drift hash   HMAC of the whole text (passwords included), so that a changed password is drift.
 *                Stored (DaemonDeployState, deploy runs) and compared; prefix "hmac:".
 *   view hash    what GET /api/deploy/targets shows for the model: HMAC, under another derived key,
 *                of the masked text (no password goes into it at all); prefix "view:". The last
 *                deployed and last seen live hashes are shown as the model's view hash when they
 *                match the model, else as a view of the stored drift hash.
 */
import { createHmac } from "node:crypto";
import { derivedKey } from "@/lib/secrets";
import { filesHash } from "./engine";
import { maskConfigSecrets } from "./mask";

export function driftKey(): Uint8Array {
  return derivedKey("deploy-drift-hash-v1");
}

export function driftHash(files: readonly { path: string; content: string | null }[]): string {
  return filesHash(files, driftKey());
}

function viewKey(): Uint8Array {
  return derivedKey("deploy-view-hash-v1");
}

/** The viewer's hash of a target's files: keyed, over the masked text. */
export function viewHash(files: readonly { path: string; content: string }[]): string {
  const h = createHmac("sha256", viewKey());
  const masked = (text: string) => maskConfigSecrets(text.replace(/^# Model revision: .*\n/m, ""));
  // Like the drift hash, one file is hashed by its content alone (a standby's copy of its primary's
  // configuration has the same hash); several by path and content.
  if (files.length === 1) h.update(masked(files[0].content));
  else for (const f of files) h.update(f.path + "\0" + masked(f.content) + "\0");
  return "view:" + h.digest("hex");
}

/**
 * A stored drift hash as shown: the model's view hash when it is the model's drift hash, else a
 * keyed digest of it (old unkeyed "sha256:" values included), so that nothing unkeyed leaves.
 */
export function viewOfStored(stored: string | null, model: { drift: string; view: string } | null): string | null {
  if (!stored) return null;
  if (model && stored === model.drift) return model.view;
  if (stored === "missing") return "missing";
  return "view:" + createHmac("sha256", viewKey()).update("stored\0" + stored).digest("hex");
}
