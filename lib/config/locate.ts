/**
 * Where each resource of a Bacula config starts (file and line), for import reports.
 *
 * lib/bacula/parse.ts maps the text onto the model but keeps no positions; this is a small second
 * scan with the same lexical rules (`#` comments, `;` as a line end, double-quoted strings with
 * backslash escapes, `{`/`}`, `@path` includes read through the same readFile) that records, for
 * every top-level resource, its keyword, Name, first line and the first line of each of its
 * directives (nested blocks included, by keyword).
 */
import { findResource, normalizeKeyword, type ResourceKind } from "@/lib/bacula/directives";

export interface ResourceLocation {
  kind: ResourceKind;
  name: string;
  file: string;
  line: number;
  /** Normalized directive keyword (as normalizeKeyword gives) -> first line and file. */
  directives: Map<string, { file: string; line: number }>;
}

interface Tok {
  t: "word" | "string" | "eq" | "lbrace" | "rbrace" | "eol";
  v: string;
  file: string;
  line: number;
}

function lex(text: string, file: string, readFile: ((p: string) => string) | undefined, stack: string[], out: Tok[]) {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      out.push({ t: "eol", v: "", file, line });
      line++;
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === ";" || c === ",") {
      if (c === ";") out.push({ t: "eol", v: "", file, line });
      i++;
    } else if (c === "{" || c === "}" || c === "=") {
      out.push({ t: c === "{" ? "lbrace" : c === "}" ? "rbrace" : "eq", v: c, file, line });
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === '"') {
      let v = "";
      const l = line;
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") {
        if (text[i] === "\\" && i + 1 < text.length && text[i + 1] !== "\n") {
          v += text[i + 1];
          i += 2;
        } else v += text[i++];
      }
      if (text[i] === '"') i++;
      out.push({ t: "string", v, file, line: l });
    } else if (c === "@") {
      let j = i + 1;
      while (j < text.length && text[j] !== "\n") j++;
      let p = text.slice(i + 1, j).trim();
      if (p.startsWith('"') && p.endsWith('"') && p.length >= 2) p = p.slice(1, -1);
      i = j;
      if (readFile && p && !p.startsWith("|") && !stack.includes(p) && stack.length < 32) {
        try {
          const inc = readFile(p);
          stack.push(p);
          lex(inc, p, readFile, stack, out);
          stack.pop();
        } catch {
          /* the parser reports unreadable includes */
        }
      }
    } else {
      const s = i;
      while (i < text.length && !' \t\r\n{}=,;"#'.includes(text[i])) i++;
      out.push({ t: "word", v: text.slice(s, i), file, line });
    }
  }
  out.push({ t: "eol", v: "", file, line });
}

export function locateResources(
  daemon: "dir" | "sd",
  text: string,
  file: string,
  readFile?: (p: string) => string,
): ResourceLocation[] {
  const toks: Tok[] = [];
  lex(text, file, readFile, [file], toks);
  const out: ResourceLocation[] = [];
  let depth = 0;
  let current: ResourceLocation | null = null;
  let lineStart = true;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.t === "eol") {
      lineStart = true;
      continue;
    }
    if (t.t === "lbrace") depth++;
    else if (t.t === "rbrace") {
      depth = Math.max(0, depth - 1);
      if (depth === 0 && current) {
        out.push(current);
        current = null;
      }
    } else if (t.t === "word" && lineStart) {
      // Keyword words up to "=" or "{".
      const words: Tok[] = [];
      let m = k;
      while (m < toks.length && toks[m].t === "word") words.push(toks[m++]);
      const next = toks[m];
      const kw = words.map((w) => w.v).join(" ");
      if (depth === 0 && next?.t === "lbrace") {
        const spec = findResource(daemon, kw);
        current = spec ? { kind: spec.kind, name: "", file: t.file, line: t.line, directives: new Map() } : null;
      } else if (depth >= 1 && current && next && (next.t === "eq" || next.t === "lbrace")) {
        const n = normalizeKeyword(kw);
        if (!current.directives.has(n)) current.directives.set(n, { file: t.file, line: t.line });
        if (depth === 1 && n === "name" && next.t === "eq") {
          const val = toks[m + 1];
          if (val && (val.t === "word" || val.t === "string")) current.name = val.v;
        }
      }
      k = m - 1;
    }
    lineStart = false;
  }
  return out;
}
