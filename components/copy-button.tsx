"use client";

import { useState } from "react";
import { Button } from "./ui";

/** Copies a text to the clipboard (with a fallback where the Clipboard API is refused, e.g. plain http). */
export function CopyButton({ text, label, children = "Copy" }: { text: string; label: string; children?: string }) {
  const [done, setDone] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const ta = document.createElement("textarea");
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand("copy");
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  }
  return (
    <Button type="button" variant="secondary" onClick={copy} aria-label={`Copy ${label}`}>
      {done ? "Copied" : children}
    </Button>
  );
}
