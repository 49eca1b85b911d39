/**
 * Zod's default messages in words people read, for every schema that does not name its own
 * ("is required", not "Invalid input: expected string, received undefined"). A message is the
 * predicate after a field's label ("Login: is required"). Installed once per JavaScript realm by
 * importing this module: the server's route wrapper (lib/http/handler.ts) and the browser's
 * providers (components/providers.tsx) do. A schema's own message always wins (zod's precedence:
 * schema, then parse, then this global map). Pure and client-safe.
 */
import { z } from "zod";

type Issue = z.core.$ZodRawIssue;

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "yes or no",
  array: "a list",
  object: "a group of fields",
  date: "a date",
};

function count(n: number | bigint, one: string, many: string): string {
  return `${n} ${Number(n) === 1 ? one : many}`;
}

/** The people-readable message of a zod issue, or undefined to keep zod's own. */
export function peopleMessage(iss: Issue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined || iss.input === null) return "is required";
      return `must be ${TYPE_WORDS[iss.expected] ?? iss.expected}`;
    case "too_small": {
      const min = iss.minimum as number | bigint;
      if (iss.origin === "string") return Number(min) <= 1 ? "is required" : `must be at least ${count(min, "character", "characters")}`;
      if (iss.origin === "array" || iss.origin === "set") return Number(min) <= 1 ? "needs at least one entry" : `needs at least ${count(min, "entry", "entries")}`;
      return `must be ${iss.inclusive === false ? "more than" : "at least"} ${min}`;
    }
    case "too_big": {
      const max = iss.maximum as number | bigint;
      if (iss.origin === "string") return `must be at most ${count(max, "character", "characters")}`;
      if (iss.origin === "array" || iss.origin === "set") return `may hold at most ${count(max, "entry", "entries")}`;
      return `must be ${iss.inclusive === false ? "less than" : "at most"} ${max}`;
    }
    case "invalid_value": {
      const values = (iss.values as readonly unknown[]).map((v) => String(v));
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(", ")}`;
    }
    case "invalid_format":
      return iss.format === "regex" ? "holds characters that are not allowed here" : `must be a valid ${iss.format}`;
    case "unrecognized_keys":
      return `${iss.keys.join(", ")}: not a field of this form`;
    case "not_multiple_of":
      return `must be a multiple of ${String(iss.divisor)}`;
    case "invalid_union":
      return "is not valid here";
    default:
      return undefined;
  }
}

z.config({ customError: (iss) => peopleMessage(iss as Issue) });

export const ZOD_MESSAGES_INSTALLED = true;
