/**
 * The real transport of the deploy engine: one ssh2 connection per host (lib/deploy/ssh.ts), with
 * the pinned host key, a connect timeout and per-operation timeouts.
 */
import type { HostSpec, OpenTransport, Transport } from "./engine";
import { connect } from "./ssh";

export interface SshTransportOptions {
  /** TCP connect + handshake + authentication (default 15 s). */
  connectTimeoutMs?: number;
  /** Each SFTP operation (default 30 s). */
  operationTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = Number(process.env.DEPLOY_CONNECT_TIMEOUT_MS ?? 15_000);
export const DEFAULT_COMMAND_TIMEOUT_MS = Number(process.env.DEPLOY_COMMAND_TIMEOUT_MS ?? 60_000);

export function sshTransport(opts: SshTransportOptions = {}): OpenTransport {
  return async (host: HostSpec): Promise<Transport> => {
    const conn = await connect({
      host: host.address,
      port: host.port,
      username: host.username,
      privateKey: host.privateKey,
      pinnedFingerprint: host.pinnedFingerprint,
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      operationTimeoutMs: opts.operationTimeoutMs ?? 30_000,
    });
    return conn;
  };
}
