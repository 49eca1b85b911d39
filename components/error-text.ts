"use client";

/**
 * What an error says to a person, in one place for every page: field problems by their label,
 * once ("Hop 2 schedule: choose a Schedule"), never a field path or zod's own text. Pages that show
 * a field's problem next to its input pass the fields they placed, and the summary leaves them out.
 */
import { fieldLabel, problemText, showsRawPath } from "@/lib/http/field-label";
import { ApiError, type FieldProblem } from "./api";

export { fieldLabel, problemText };

/** The problems of an API error (none for other errors). */
export function problemsOf(err: unknown): FieldProblem[] {
  return err instanceof ApiError ? err.fields : [];
}

/** The message of the first problem of `field` (or of one of `aliases`), without its label: for the text under an input. */
export function fieldProblem(err: unknown, field: string, ...aliases: string[]): string | undefined {
  const names = [field, ...aliases];
  return problemsOf(err).find((f) => names.includes(f.field))?.message;
}

/**
 * The sentence for an error. `placed`: fields shown next to their inputs (left out here; when every
 * problem is placed the summary says so instead). `lead`: what failed ("Not saved").
 */
export function errorText(err: unknown, o: { placed?: readonly string[]; lead?: string; fallback?: string } = {}): string {
  const lead = o.lead ? `${o.lead}: ` : "";
  if (!(err instanceof ApiError)) {
    if (err instanceof TypeError) return `${lead}the server did not answer (${err.message}).`;
    return `${lead}${err instanceof Error ? err.message : (o.fallback ?? "something went wrong")}`;
  }
  const placed = new Set(o.placed ?? []);
  const rest = err.fields.filter((f) => !placed.has(f.field));
  if (err.fields.length > 0 && rest.length === 0) return `${lead}see the message${err.fields.length === 1 ? "" : "s"} next to the field${err.fields.length === 1 ? "" : "s"}.`;
  // The server's sentence, unless it shows a raw path or names fields placed elsewhere: then the fields by label.
  if (rest.length === 0 || (rest.length === err.fields.length && !showsRawPath(err.message, err.fields))) return `${lead}${err.message}`;
  return `${lead}${rest.map(problemText).join("; ")}`;
}
