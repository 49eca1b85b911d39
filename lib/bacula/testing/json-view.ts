/**
 * Test helper: compares Bacula's own JSON view (bdirjson -c / bsdjson -c) of two configs the way
 * the team judges fidelity: resources are matched by type and Name, every other key of a resource
 * is one directive, values are compared as JSON. A directive of the first view that the second
 * lacks is dropped, one with another value is changed, one only in the second is added.
 */

export interface JsonViewDiff {
  /** Directives (type/name/key) of the first view. */
  total: number;
  kept: number;
  dropped: string[];
  changed: string[];
  added: string[];
}

/** "Type/Name/Key" -> JSON of the value, for every directive of a JSON view. */
export function flattenJsonView(json: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(json)) throw new Error("not a Bacula JSON view (expected an array of resources)");
  for (const entry of json as unknown[]) {
    if (!entry || typeof entry !== "object") continue;
    for (const [type, body] of Object.entries(entry as Record<string, unknown>)) {
      if (!body || typeof body !== "object") continue;
      const res = body as Record<string, unknown>;
      const name = typeof res.Name === "string" ? res.Name : "?";
      for (const [k, v] of Object.entries(res)) if (k !== "Name") out.set(`${type}/${name}/${k}`, JSON.stringify(v));
    }
  }
  return out;
}

export function diffJsonViews(original: unknown, rendered: unknown): JsonViewDiff {
  const a = flattenJsonView(original);
  const b = flattenJsonView(rendered);
  const d: JsonViewDiff = { total: a.size, kept: 0, dropped: [], changed: [], added: [] };
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) d.dropped.push(`${k} = ${v.slice(0, 120)}`);
    else if (w === v) d.kept++;
    else d.changed.push(`${k}: ${v.slice(0, 120)} -> ${w.slice(0, 120)}`);
  }
  for (const k of b.keys()) if (!a.has(k)) d.added.push(k);
  return d;
}

/** The resource type/name pairs of a JSON view, in its order. */
export function resourceKeys(json: unknown): string[] {
  if (!Array.isArray(json)) return [];
  return (json as Record<string, Record<string, unknown>>[]).map((e) => {
    const [type, body] = Object.entries(e)[0];
    return `${type}/${String(body.Name)}`;
  });
}
