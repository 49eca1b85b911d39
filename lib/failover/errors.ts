/**
 * Typed domain errors of the failover operations, mapped to HTTP in one place (./http.ts), never by
 * matching message text.
 */
import type { PreflightCheck } from "./types";

/** Another operation (promotion, re-attach, Director switch, fence) runs on the cluster: nothing was started. */
export class OperationRunning extends Error {
  constructor(
    readonly operationId: number,
    readonly operationKind: string,
  ) {
    super(`${operationKind === "reattach" ? "re-attach" : operationKind === "director" ? "Director switch" : operationKind} #${operationId} is running on this cluster: wait for it to finish`);
    this.name = "OperationRunning";
  }
}

/**
 * Thrown by a step that refuses before anything was changed (a preflight inside an operation):
 * the operation ends "refused", nothing to roll back.
 */
export class StepRefused extends Error {
  constructor(
    message: string,
    readonly checks: PreflightCheck[] = [],
  ) {
    super(message);
    this.name = "StepRefused";
  }
}

/** A request that is refused before an operation is created (a confirmation missing, a field wrong). */
export class RequestRefused extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "RequestRefused";
  }
}

/** The cluster, member or operation named by the request does not exist. */
export class FailoverNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FailoverNotFound";
  }
}
