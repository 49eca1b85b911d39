import { describe, expect, it } from "vitest";
import { renderDirector } from "@/lib/bacula/render";
import { demoDirector } from "@/lib/bacula/testing/fixtures";
import { maskConfigSecrets, maskSecretsDeep, SECRET_MASK } from "./mask";

describe("maskConfigSecrets (lib/deploy)", () => {
  it("hides every password of a rendered Director config and keeps every other line", () => {
    const cfg = demoDirector({ work: "/var/lib/bacula", run: "/run/bacula" });
    cfg.jobs[0].description = 'nightly; Password = "not-a-secret"; Address = x';
    const text = renderDirector(cfg, { revision: 1 });
    const lines = text.split("\n");
    const secretLines = lines.filter((l) => /^\s*(?:Db)?Password = /.test(l));
    expect(secretLines.length).toBeGreaterThan(1);
    const masked = maskConfigSecrets(text).split("\n");
    expect(masked).toHaveLength(lines.length);
    lines.forEach((l, i) => expect(masked[i]).toBe(secretLines.includes(l) ? l.replace(/=.*$/, `= ${SECRET_MASK}`) : l));
    // A value that holds `; Password = ` is a value: shown as it is.
    expect(masked.join("\n")).toContain('Password = \\"not-a-secret\\"; Address = x"');
  });

  it("covers diff markers, keyword spellings, escaped quotes, bare values, one-line resources and values holding `; Password =`", () => {
    const diff = [
      "--- a/etc/bacula/bacula-dir.conf",
      "+++ b/etc/bacula/bacula-dir.conf",
      '-  Password = "old \\" secret"',
      '+  Password = "new-secret"',
      '   DB Password = "catalog-secret"',
      "dbpassword=bare-secret",
      'Director { Name = d; Password = "inline-secret"; Address = x }',
      "Client {Password=tight-secret}",
      '  Name = "Password = not a directive"',
      '+  Description = "a; Password = kept"',
      '  Description = "a \\"; Password = kept2"; Password = "after-secret" # Password = in a comment',
    ].join("\n");
    const masked = maskConfigSecrets(diff);
    for (const s of ["old", "new-secret", "catalog-secret", "bare-secret", "inline-secret", "tight-secret", "after-secret"]) expect(masked).not.toContain(s);
    expect(masked).toContain(`-  Password = ${SECRET_MASK}`);
    expect(masked).toContain(`   DB Password = ${SECRET_MASK}`);
    expect(masked).toContain(`Name = d; Password = ${SECRET_MASK}; Address = x }`);
    expect(masked).toContain(`Client {Password=${SECRET_MASK}}`);
    expect(masked).toContain("--- a/etc/bacula/bacula-dir.conf");
    expect(masked).toContain('  Name = "Password = not a directive"');
    expect(masked).toContain('+  Description = "a; Password = kept"');
    expect(masked).toContain(`  Description = "a \\"; Password = kept2"; Password = ${SECRET_MASK} # Password = in a comment`);
  });

  it("maskSecretsDeep walks plain objects and arrays, keeping Dates and non-strings", () => {
    const at = new Date(0);
    const out = maskSecretsDeep({ at, n: 3, steps: [{ log: '+  Password = "x1"\nok' }], files: [{ diff: 'Password = "x2"' }] });
    expect(out.at).toBe(at);
    expect(out.n).toBe(3);
    expect(out.steps[0].log).toBe(`+  Password = ${SECRET_MASK}\nok`);
    expect(out.files[0].diff).toBe(`Password = ${SECRET_MASK}`);
  });
});
