/**
 * Field paths of API errors in words people read. An error names its field by the label the form
 * shows ("Hop 2 schedule", "Storage group policy"), never by its path (`chain.hops.1.job.scheduleId`)
 * and never twice ("Name: Name: …"). The server sets `label` where a field table knows it
 * (lib/inventory/fields.ts, lib/builder/labels.ts); this is the fallback for every other path, and the
 * one place that joins a label and a message. Pure and client-safe.
 */

/** "maxConcurrentJobs" -> "Max concurrent jobs"; "scheduleId" -> "Schedule"; "fenceTimeoutMs" -> "Fence timeout". */
export function humanizeKey(key: string): string {
  const base = key.replace(/Ids?$/, "").replace(/(Ms|Enc)$/, "") || key;
  const words = base
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .trim()
    .split(/\s+/);
  return words
    .map((w, i) => (/^[A-Z0-9]{2,}$/.test(w) ? w : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w.toLowerCase()))
    .join(" ");
}

/**
 * A label for a field path: the server's label when it sent one, else the path in words. List
 * positions count from 1 ("targets.2" -> "Targets, item 3"); "(body)" is the request as a whole.
 */
export function fieldLabel(path: string, label?: string | null): string {
  if (label) return label;
  if (!path || path === "(body)") return "Request";
  const parts = path.split(/[.[\]]+/).filter(Boolean);
  const words: string[] = [];
  for (const p of parts) {
    if (/^\d+$/.test(p)) {
      if (words.length > 0) words[words.length - 1] += `, item ${Number(p) + 1}`;
      continue;
    }
    words.push(words.length === 0 ? humanizeKey(p) : humanizeKey(p).toLowerCase());
  }
  return words.join(" ") || "Request";
}

/** "Label: message", the label once (a message that already starts with it keeps it as is). */
export function labelled(label: string, message: string): string {
  const m = message.trim();
  if (m.toLowerCase().startsWith(`${label.toLowerCase()}:`) || m.toLowerCase().startsWith(`${label.toLowerCase()} `)) return m;
  return `${label}: ${m}`;
}

export interface LabelledProblem {
  field: string;
  message: string;
  label?: string;
}

/** One field problem as a sentence: "Hop 2 schedule: choose a Schedule". */
export function problemText(p: LabelledProblem): string {
  return labelled(fieldLabel(p.field, p.label), p.message);
}

/** Whether a message shows a raw field path (a dotted path, or one of the fields' camelCase keys before a colon). */
export function showsRawPath(message: string, fields: readonly LabelledProblem[]): boolean {
  return fields.some((f) => (f.field.includes(".") && message.includes(f.field)) || (/[a-z][A-Z]/.test(f.field) && message.includes(`${f.field}:`)));
}
