/**
 * Strict numbers for every boundary (JSON bodies, query strings, route params, forms).
 *
 * z.coerce.number() reads `"0x16"` as 22, `"1e1"` as 10, `[22]` as 22, `true` as 1 and `""` as 0:
 * a value the user did not write. Here a number is either a JSON number or a string of decimal
 * digits (an optional sign and, for decimals, one point); anything else is refused with the field's
 * name and the rule. Client-safe (zod only): the forms use the same schemas.
 */
import { z } from "zod";

/** The largest value a Prisma `Int` column (32-bit signed) holds; ids are Ints. */
export const INT32_MAX = 2_147_483_647;

const INTEGER_TEXT = /^[+-]?\d{1,20}$/;
const DECIMAL_TEXT = /^[+-]?\d{1,20}(?:\.\d{1,20})?$/;

function fromText(pattern: RegExp) {
  return (v: unknown) => {
    if (typeof v !== "string") return v;
    const t = v.trim();
    return pattern.test(t) ? Number(t) : v;
  };
}

export interface IntOptions {
  min?: number;
  max?: number;
  /** The message for a value that is not a whole number (default "must be a whole number"). */
  message?: string;
  /** Message for min / max (default: "must be between min and max"). */
  rangeMessage?: string;
}

/**
 * A whole number: a JSON integer, or a string of decimal digits ("22", " 22 ", "-3"). Refuses hex,
 * exponents, arrays, booleans, blanks and anything outside [min, max] (default 0 .. INT32_MAX).
 */
export function strictInt(o: IntOptions = {}) {
  const min = o.min ?? 0;
  const max = o.max ?? INT32_MAX;
  const message = o.message ?? "must be a whole number";
  const range = o.rangeMessage ?? `must be between ${min} and ${max}`;
  return z.preprocess(
    fromText(INTEGER_TEXT),
    z
      .number({ error: (iss) => (iss.input === undefined || iss.input === null ? message : `${message} (decimal digits only)`) })
      .int(message)
      .min(min, range)
      .max(max, range),
  );
}

/** A decimal number: a JSON number, or a string like "1.5" (no hex, no exponent). */
export function strictNumber(o: { min?: number; max?: number; message?: string } = {}) {
  const message = o.message ?? "must be a number";
  let n = z.number({ error: (iss) => (iss.input === undefined || iss.input === null ? message : `${message} (decimal digits only)`) });
  if (o.min !== undefined) n = n.min(o.min, `must be ${o.min} or more`);
  if (o.max !== undefined) n = n.max(o.max, `must be at most ${o.max}`);
  return z.preprocess(fromText(DECIMAL_TEXT), n);
}

/** A record id: a positive whole number that fits the database's Int column. */
export const strictId = (message = "must be an id") =>
  strictInt({ min: 1, max: INT32_MAX, message, rangeMessage: `${message} (1 to ${INT32_MAX})` });
