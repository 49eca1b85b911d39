/**
 * The README's "What promotion needs on each host" section, read at request time so the page the
 * preflight links to says exactly what the README says (one place). Server-only (fs).
 */
import fs from "node:fs";
import path from "node:path";

export const REQUIREMENTS_HEADING = "## What promotion needs on each host";

export type Block = { kind: "p"; text: string } | { kind: "ul"; items: string[] } | { kind: "code"; text: string };

/** The section's markdown, or null when the README is not there (e.g. a copied build). */
export function requirementsMarkdown(readmePath = path.join(process.cwd(), "README.md")): string | null {
  let text: string;
  try {
    text = fs.readFileSync(/*turbopackIgnore: true*/ readmePath, "utf8");
  } catch {
    return null;
  }
  const start = text.indexOf(REQUIREMENTS_HEADING);
  if (start < 0) return null;
  const body = text.slice(start + REQUIREMENTS_HEADING.length);
  const end = body.search(/^## /m);
  return (end < 0 ? body : body.slice(0, end)).trim();
}

/** Paragraphs, bullet lists (continuation lines joined; nested bullets flattened) and fenced code. */
export function toBlocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split("\n");
  let para: string[] = [];
  let list: string[] | null = null;
  const flush = () => {
    if (para.length) out.push({ kind: "p", text: para.join(" ") });
    para = [];
    if (list) out.push({ kind: "ul", items: list });
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i].replace(/^ {2}/, ""));
      out.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    const bullet = /^\s*- (.*)$/.exec(line);
    if (bullet) {
      if (para.length) {
        out.push({ kind: "p", text: para.join(" ") });
        para = [];
      }
      list ??= [];
      list.push(bullet[1]);
      continue;
    }
    if (list) list[list.length - 1] += ` ${line.trim()}`;
    else para.push(line.trim());
  }
  flush();
  return out;
}
