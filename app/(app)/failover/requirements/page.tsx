import type { ReactNode } from "react";
import { pageUser } from "@/lib/auth/page";
import { requirementsMarkdown, toBlocks } from "@/lib/failover/requirements";
import { Card, PageTitle } from "@/components/ui";

/** `code` and **bold** inside a line of the README. */
function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\))/).map((part, i) => {
    if (part.startsWith("`") && part.endsWith("`")) return <code key={i}>{part.slice(1, -1)}</code>;
    if (part.startsWith("**") && part.endsWith("**")) return <strong key={i}>{part.slice(2, -2)}</strong>;
    const link = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(part);
    if (link) return <span key={i}>{link[1]}</span>;
    return part;
  });
}

export default async function PromotionRequirementsPage() {
  await pageUser("viewer");
  const md = requirementsMarkdown();
  return (
    <div className="space-y-4">
      <PageTitle subtitle="What the preflight of a promotion checks, from the README">What promotion needs on each host</PageTitle>
      <Card>
        {md === null ? (
          <p className="text-sm">See README.md, section &quot;What promotion needs on each host&quot;.</p>
        ) : (
          <div className="space-y-3 text-sm" data-testid="promotion-requirements">
            {toBlocks(md).map((b, i) =>
              b.kind === "code" ? (
                <pre key={i} className="overflow-x-auto rounded bg-slate-50 p-2 text-xs">{b.text}</pre>
              ) : b.kind === "ul" ? (
                <ul key={i} className="ml-5 list-disc space-y-1">
                  {b.items.map((it, j) => (
                    <li key={j}>{inline(it)}</li>
                  ))}
                </ul>
              ) : (
                <p key={i}>{inline(b.text)}</p>
              ),
            )}
          </div>
        )}
      </Card>
    </div>
  );
}
