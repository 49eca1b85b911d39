import { NextResponse } from "next/server";
import { ZodError } from "zod";
import { withRequestContext } from "@/lib/audit/client-address";
import { isAppDatabaseDown, isAppDatabaseUnavailable } from "@/lib/db/errors";
import { assertDeclaredLength, readJsonBody, type BodyOptions } from "./body";
import { HttpError, type FieldError } from "./errors";
import { fieldLabel, problemText } from "./field-label";
// Zod's default messages in people's words for every schema behind a route.
import "./zod-messages";

export function zodToFieldErrors(err: ZodError): FieldError[] {
  return err.issues.map((issue) => {
    // A custom refinement may name its rule: ctx.addIssue({ code: "custom", params: { rule } }).
    const named = issue.code === "custom" ? (issue.params as { rule?: unknown } | undefined)?.rule : undefined;
    const field = issue.path.map(String).join(".") || "(body)";
    return {
      field,
      rule: typeof named === "string" ? named : issue.code,
      message: issue.message,
      label: fieldLabel(field),
    };
  });
}

export function errorResponse(err: unknown): NextResponse {
  if (err instanceof HttpError) {
    return NextResponse.json(
      { error: err.message, fields: err.fields ?? [], ...(err.details ?? {}) },
      { status: err.status, headers: err.headers },
    );
  }
  if (err instanceof ZodError) {
    const fields = zodToFieldErrors(err);
    return NextResponse.json(
      { error: fields.map(problemText).join("; "), fields },
      { status: 400 },
    );
  }
  // The app's database down or taking no writes: not the request's fault. Ours say why; Prisma's
  // "can't reach the database server" would name the server's address, which is not echoed.
  if (isAppDatabaseDown(err)) {
    const own = isAppDatabaseUnavailable(err);
    return NextResponse.json(
      { error: own ? err.message : "The app's database does not answer; try again once it is back", reason: own ? err.reason : "unreachable", fields: [] },
      { status: 503, headers: { "Retry-After": "5" } },
    );
  }
  const code = (err as { code?: string } | null)?.code;
  if (code === "P2002") {
    return NextResponse.json({ error: "A record with these values already exists", fields: [] }, { status: 409 });
  }
  if (code === "P2003" || code === "P2014") {
    return NextResponse.json({ error: "Still referenced by other records", fields: [] }, { status: 409 });
  }
  console.error("unhandled API error", err);
  return NextResponse.json({ error: "Internal error" }, { status: 500 });
}

type Handler<C> = (req: Request, ctx: C) => Promise<Response>;

/**
/**
 * Wraps a route handler so every error becomes a JSON answer with a status that means what it says,
 * every audit event it writes (also from work it starts) records the client's address, and a body
 * declared larger than the general cap (or the route's own, `bodyLimitBytes`) is refused (413)
 * before the handler runs.
 */
export function api<C>(fn: Handler<C>, o: { bodyLimitBytes?: number } = {}): Handler<C> {
  return (req, ctx) =>
    withRequestContext(req, async () => {
      try {
        assertDeclaredLength(req, o.bodyLimitBytes);
        return await fn(req, ctx);
      } catch (err) {
        return errorResponse(err);
      }
    });
}

/**
 * The request body as JSON ({} when empty): at most 1 MiB unless `limitBytes` says less (413), read
 * within the body deadline (408), valid UTF-8 and Unicode, bounded nesting (400 naming the rule).
 */
export async function readJson(req: Request, o: BodyOptions = {}): Promise<unknown> {
  return readJsonBody(req, o);
}
