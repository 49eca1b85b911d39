"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { parseBody, renderBody } from "@/lib/bacula/body";
import { findDirective, findResource } from "@/lib/bacula/tables";
import type { Daemon } from "@/lib/bacula/tables/types";
import type { Item } from "@/lib/bacula/tree";
import { KEPT_SECRET, type ViewItem } from "@/lib/inventory/view-items";
import { inputClass } from "./ui";

/** View items (secrets blanked) as editor items: a kept password shows as "(stored)". */
function toItems(view: readonly ViewItem[]): Item[] {
  return view.map((v): Item =>
    v.kind === "block"
      ? { kind: "block", name: v.name, items: toItems(v.items ?? []) }
      : { kind: "directive", name: v.name, value: v.secret ? KEPT_SECRET : (v.value ?? "") },
  );
}

/** Editor items back as view items: a password still "(stored)" keeps the stored value. */
function toView(items: readonly Item[], daemon: Daemon, type: string): ViewItem[] {
  const res = findResource(daemon, type);
  const walk = (list: readonly Item[], container: { directives: readonly unknown[] } | undefined): ViewItem[] =>
    list.map((it): ViewItem => {
      const def = container ? findDirective(container as never, it.name) : undefined;
      if (it.kind === "block") return { kind: "block", name: it.name, items: walk(it.items, def?.block) };
      if (def?.store === "password" && it.value === KEPT_SECRET) return { kind: "directive", name: it.name, value: "", secret: true };
      return { kind: "directive", name: it.name, value: it.value };
    });
  return walk(items, res);
}

export interface DirectivesEditorProps {
  id: string;
  label: string;
  value: ViewItem[];
  onChange: (v: ViewItem[]) => void;
  onBlur?: () => void;
  daemon: Daemon;
  /** The resource type whose directives these are (the table's keyword). */
  type: string;
  describedBy?: string;
  disabled?: boolean;
  /** Reports whether the text currently parses (the form refuses to submit while it does not). */
  onValidity?: (ok: boolean) => void;
}

/**
 * A record's other directives in Bacula's own syntax, checked as they are typed by the same parser
 * and tables the server uses (line numbers of the text); an unparseable text is never sent.
 */
export function DirectivesEditor({ id, label, value, onChange, onBlur, daemon, type, describedBy, disabled, onValidity }: DirectivesEditorProps) {
  const rendered = useMemo(() => {
    try {
      return renderBody(toItems(value), daemon, type);
    } catch {
      return "";
    }
  }, [value, daemon, type]);
  const [text, setText] = useState(rendered);
  const [problems, setProblems] = useState<{ line: number; message: string }[]>([]);
  const editing = useRef(false);
  // A new value from outside (a loaded or saved record) replaces the text unless it is being edited.
  useEffect(() => {
    if (!editing.current) setText(rendered);
  }, [rendered]);

  const check = (t: string) => {
    const r = parseBody(t, daemon, type);
    setProblems(r.problems);
    onValidity?.(r.problems.length === 0);
    if (r.problems.length === 0) onChange(toView(r.items, daemon, type));
  };

  const problemsId = `${id}-problems`;
  return (
    <div>
      <textarea
        id={id}
        aria-label={label}
        aria-describedby={[describedBy, problems.length ? problemsId : null].filter(Boolean).join(" ") || undefined}
        aria-invalid={problems.length > 0}
        className={`${inputClass} font-mono text-xs`}
        rows={Math.min(20, Math.max(4, text.split("\n").length + 1))}
        spellCheck={false}
        disabled={disabled}
        value={text}
        placeholder={"e.g.\nTlsEnable = yes\nTlsCaCertificateFile = \"/etc/bacula/ca.pem\""}
        onFocus={() => (editing.current = true)}
        onChange={(e) => {
          setText(e.target.value);
          check(e.target.value);
        }}
        onBlur={() => {
          editing.current = false;
          check(text);
          onBlur?.();
        }}
      />
      {problems.length > 0 && (
        <ul id={problemsId} className="mt-1 space-y-0.5 text-sm text-red-700" aria-live="polite">
          {problems.slice(0, 8).map((p, i) => (
            <li key={i}>{label}, line {p.line}: {p.message}</li>
          ))}
          {problems.length > 8 && <li>… and {problems.length - 8} more</li>}
        </ul>
      )}
    </div>
  );
}
