/** An error with an HTTP status and, where it concerns input, the field and the rule it broke. */
export class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly fields?: FieldError[],
    public readonly details?: Record<string, unknown>,
    /** Extra response headers (Retry-After ...). */
    public readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface FieldError {
  field: string;
  rule: string;
  message: string;
  /** The field's label as the form shows it ("Storage group policy"), for messages people read. */
  label?: string;
}

export const badRequest = (message: string, fields?: FieldError[]) => new HttpError(400, message, fields);
export const unauthorized = (message = "Log in first") => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string, fields?: FieldError[], details?: Record<string, unknown>) =>
  new HttpError(409, message, fields, details);
