/**
 * Typed errors of the SSH deploy transport. Every error carries a stable `code` that route
 * handlers can map to a response (for example HOST_KEY_UNKNOWN -> ask an operator to confirm and
 * pin the presented fingerprint).
 */

export type SshErrorCode =
  | "HOST_KEY_UNKNOWN"
  | "HOST_KEY_MISMATCH"
  | "AUTH_FAILED"
  | "PRIVATE_KEY_INVALID"
  | "CONNECT_TIMEOUT"
  | "CONNECT_FAILED"
  | "CONNECTION_CLOSED"
  | "COMMAND_TIMEOUT"
  | "OPERATION_TIMEOUT"
  | "CHANNEL_FAILED"
  | "SFTP_ERROR"
  | "INVALID_ARGUMENT";

export class SshError extends Error {
  readonly code: SshErrorCode;
  constructor(code: SshErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No fingerprint is pinned for this host: nothing was authenticated or run. */
export class HostKeyUnknownError extends SshError {
  constructor(
    readonly host: string,
    readonly port: number,
    /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
    readonly presentedFingerprint: string,
    /** e.g. `ssh-ed25519` */
    readonly keyType: string,
  ) {
    super(
      "HOST_KEY_UNKNOWN",
      `Host key of ${host}:${port} is not pinned yet; the host presented ${keyType} ${presentedFingerprint}. ` +
        `Confirm it out of band (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host) and pin it.`,
    );
  }
}

/** The host presented a different key than the pinned one: possible man in the middle or reinstall. */
export class HostKeyMismatchError extends SshError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly expectedFingerprint: string,
    readonly presentedFingerprint: string,
    readonly keyType: string,
  ) {
    super(
      "HOST_KEY_MISMATCH",
      `HOST KEY MISMATCH for ${host}:${port}: expected ${expectedFingerprint}, the host presented ` +
        `${keyType} ${presentedFingerprint}. Refusing to connect. If the host was reinstalled or its key ` +
        `rotated, verify the new fingerprint out of band and re-pin it.`,
    );
  }
}

export class AuthFailedError extends SshError {
  constructor(readonly host: string, readonly port: number, readonly username: string, cause?: unknown) {
    super("AUTH_FAILED", `Authentication as ${username}@${host}:${port} failed (public key refused)`, { cause });
  }
}

export class PrivateKeyInvalidError extends SshError {
  constructor(detail: string, cause?: unknown) {
    super("PRIVATE_KEY_INVALID", `Private key unusable: ${detail}`, { cause });
  }
}

export class ConnectTimeoutError extends SshError {
  constructor(readonly host: string, readonly port: number, readonly timeoutMs: number) {
    super("CONNECT_TIMEOUT", `Connecting to ${host}:${port} timed out after ${timeoutMs} ms`);
  }
}

export class ConnectFailedError extends SshError {
  constructor(
    readonly host: string,
    readonly port: number,
    detail: string,
    /** e.g. ECONNREFUSED, ENOTFOUND, EHOSTUNREACH when known */
    readonly sysCode?: string,
    cause?: unknown,
  ) {
    super("CONNECT_FAILED", `Cannot connect to ${host}:${port}: ${detail}`, { cause });
  }
}

export class ConnectionClosedError extends SshError {
  constructor(detail: string, cause?: unknown) {
    super("CONNECTION_CLOSED", `SSH connection closed: ${detail}`, { cause });
  }
}

export class CommandTimeoutError extends SshError {
  constructor(
    readonly argv: readonly string[],
    readonly timeoutMs: number,
    /** Output collected before the timeout. */
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super("COMMAND_TIMEOUT", `Remote command ${JSON.stringify(argv[0] ?? "")} timed out after ${timeoutMs} ms`);
  }
}

export class OperationTimeoutError extends SshError {
  constructor(readonly operation: string, readonly timeoutMs: number) {
    super("OPERATION_TIMEOUT", `${operation} timed out after ${timeoutMs} ms`);
  }
}

export class ChannelError extends SshError {
  constructor(detail: string, cause?: unknown) {
    super("CHANNEL_FAILED", `Cannot open SSH channel: ${detail}`, { cause });
  }
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
export const SFTP_STATUS = {
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

export class SftpError extends SshError {
  constructor(
    readonly operation: string,
    readonly path: string,
    /** SFTP status code when the server answered one (see SFTP_STATUS). */
    readonly status: number | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super("SFTP_ERROR", `SFTP ${operation} ${path}: ${detail}`, { cause });
  }
}
