import { z } from "zod";
import { strictInt } from "@/lib/http/numbers";

/** Bacula's rule for resource names: letters, digits and `:.-_` and space, 1 to 127 characters. */
export const BACULA_NAME = /^[A-Za-z0-9:.\-_ ]{1,127}$/;

export const baculaName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(127, "must be at most 127 characters (Bacula's limit)")
  .regex(/^[A-Za-z0-9:.\-_ ]+$/, "may contain only letters, digits, space and : . - _ (Bacula's name rule)");

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A value that goes into a config line: no control characters, so it can never start a new directive. */
export const safeText = (max = 1024) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), { message: "must not contain line breaks or control characters" });

export const requiredText = (max = 1024) =>
  safeText(max).refine((s) => s.trim().length > 0, { message: "is required" });

/** A TCP port, strictly (no "0x16", "1e1" nor [22]: see lib/http/numbers). */
export const port = strictInt({ min: 1, max: 65535, rangeMessage: "must be between 1 and 65535" });

export { strictId, strictInt, strictNumber } from "@/lib/http/numbers";

/** A host name or IP address (no scheme, no path). */
export const address = z
  .string()
  .trim()
  .min(1, "is required")
  .max(253, "must be at most 253 characters")
  .regex(/^[A-Za-z0-9.\-:_]+$/, "must be a host name or an IP address");

export const baculaVersion = z
  .string()
  .trim()
  .regex(/^\d{1,2}\.\d{1,2}(\.\d{1,3})?$/, "must look like 15.0.3");

/** Bacula time: a number with an optional unit, e.g. "30 days", "1 year 6 months". */
export const baculaTime = z
  .string()
  .trim()
  .regex(
    /^(\d+\s*(s|sec|secs|seconds?|n|min|mins|minutes?|h|hours?|d|days?|w|weeks?|m|months?|q|quarters?|y|years?)?\s*)+$/i,
    'must be a Bacula time such as "30 days" or "1 year"',
  );

/** Bacula size: a number with an optional unit, e.g. "50G", "500 MB". */
export const baculaSize = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\s*(k|kb|m|mb|g|gb|t|tb|p|pb)?$/i, 'must be a Bacula size such as "50G" or "500 MB"');

export const absolutePath = z
  .string()
  .trim()
  .min(1, "is required")
  .max(1024, "must be at most 1024 characters")
  .regex(/^\//, "must be an absolute path")
  .refine((s) => !CONTROL.test(s), { message: "must not contain line breaks or control characters" });

/** Compares dotted versions numerically: 15.0.3 >= 13.0. */
export function versionAtLeast(actual: string, wanted: string): boolean {
  const a = actual.split(".").map(Number);
  const b = wanted.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
