import { describe, expect, it } from "vitest";
import { maskConfigSecrets, maskSecretsDeep, SECRET_MASK } from "./mask";
import { renderDirector, renderStorageDaemon } from "@/lib/bacula/render";
import { demoDirector, demoSd2 } from "@/lib/bacula/testing/fixtures";

describe("maskConfigSecrets on rendered configs and every secret keyword", () => {
  it("hides every password of a rendered Director config and keeps every other line", () => {
    const text = renderDirector(demoDirector({ work: "/var/lib/bacula", run: "/run/bacula" }), { revision: 1 });
    const lines = text.split("\n");
    const secretLines = lines.filter((l) => /^\s*Password = /.test(l));
    // Director, Catalog (its DB password is written "Password" too), four Storages, one Client.
    expect(secretLines).toHaveLength(7);
    const masked = maskConfigSecrets(text).split("\n");
    expect(masked).toHaveLength(lines.length);
    lines.forEach((l, i) => {
      if (secretLines.includes(l)) expect(masked[i]).toBe(l.replace(/=.*$/, `= ${SECRET_MASK}`));
      else expect(masked[i]).toBe(l);
    });
  });

  it("covers diff markers, keyword spellings, escaped quotes, bare values and one-line resources", () => {
    const diff = [
      "--- a/etc/bacula/bacula-dir.conf",
      "+++ b/etc/bacula/bacula-dir.conf",
      '-  Password = "old \\" secret"',
      '+  Password = "new-secret"',
      '   DB Password = "catalog-secret"',
      "dbpassword=bare-secret",
      'Director { Name = d; Password = "inline-secret"; Address = x }',
      'Client {Password=tight-secret}',
      "  Name = \"Password = not a directive\"",
      // The tables' aliases (Client FdPassword, Storage SdPassword) and Cloud SecretKey.
      '  FD Password = "fd-alias-secret"',
      "+  sdpassword = sd-alias-secret",
      '  SecretKey = "cloud-secret"',
      '  Secret Key = "cloud-secret-2"',
    ].join("\n");
    const masked = maskConfigSecrets(diff);
    for (const s of ["old", "new-secret", "catalog-secret", "bare-secret", "inline-secret", "tight-secret", "fd-alias-secret", "sd-alias-secret", "cloud-secret"])
      expect(masked).not.toContain(s);
    expect(masked).toContain(`  FD Password = ${SECRET_MASK}`);
    expect(masked).toContain(`  SecretKey = ${SECRET_MASK}`);
    expect(masked).toContain(`-  Password = ${SECRET_MASK}`);
    expect(masked).toContain(`+  Password = ${SECRET_MASK}`);
    expect(masked).toContain(`   DB Password = ${SECRET_MASK}`);
    expect(masked).toContain(`Name = d; Password = ${SECRET_MASK}; Address = x }`);
    expect(masked).toContain("--- a/etc/bacula/bacula-dir.conf");
    expect(masked).toContain('  Name = "Password = not a directive"');
  });

  it("hides the Cloud SecretKey of a rendered Storage Daemon config", () => {
    const sd = demoSd2({ work: "/var/lib/bacula", run: "/run/bacula" });
    sd.others = [
      {
        type: "Cloud",
        items: [
          { kind: "directive", name: "Name", value: "S3" },
          { kind: "directive", name: "Driver", value: "S3" },
          { kind: "directive", name: "HostName", value: "s3.example.com" },
          { kind: "directive", name: "BucketName", value: "bucket" },
          { kind: "directive", name: "AccessKey", value: "AKIDEXAMPLE" },
          { kind: "directive", name: "SecretKey", value: "wJalrXUtnFEMI-secret" },
        ],
      },
    ];
    const text = renderStorageDaemon(sd, { revision: 1 });
    expect(text).toContain("wJalrXUtnFEMI-secret");
    const masked = maskConfigSecrets(text);
    expect(masked).not.toContain("wJalrXUtnFEMI-secret");
    expect(masked).not.toContain("sd2-secret");
    expect(masked).toContain('AccessKey = "AKIDEXAMPLE"');
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
