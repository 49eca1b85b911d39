/** A unified diff with added, removed and hunk lines told apart (the Deploy and config pages share it). */
export function DiffView({ diff, label = "Diff", empty = "No difference." }: { diff: string; label?: string; empty?: string }) {
  if (!diff) return <p className="text-sm text-slate-600">{empty}</p>;
  return (
    <pre aria-label={label} tabIndex={0} className="max-h-96 overflow-auto rounded bg-slate-900 p-2 text-xs leading-5 text-slate-100" data-testid="diff">
      {diff.split("\n").map((line, i) => (
        <span
          key={i}
          className={
            line.startsWith("+") && !line.startsWith("+++")
              ? "block bg-emerald-900/60 text-emerald-200"
              : line.startsWith("-") && !line.startsWith("---")
                ? "block bg-red-900/60 text-red-200"
                : line.startsWith("@@")
                  ? "block text-sky-300"
                  : "block"
          }
        >
          {line || " "}
        </span>
      ))}
    </pre>
  );
}
