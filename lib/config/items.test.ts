/**
 * Generic items in the database: every secret (password stores, and the rows the tables mark
 * secret) is encrypted in the JSON, read back exactly, never shown in views, and kept when a
 * client sends a view back unchanged.
 */
import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { findResource } from "@/lib/bacula/tables";
import type { BlockDef } from "@/lib/bacula/tables/types";
import type { Item } from "@/lib/bacula/tree";
import { resetSecretKeyCache } from "@/lib/secrets";
import { mergeKeptSecrets, openItems, sealItems, viewItems, type ViewItem } from "./items";

beforeAll(() => {
  process.env.APP_SECRET_KEY = crypto.randomBytes(32).toString("hex");
  resetSecretKeyCache();
});

function res(daemon: "dir" | "sd", type: string): BlockDef {
  const r = findResource(daemon, type);
  if (!r) throw new Error(`no ${type}`);
  return r;
}

const dirConsole: Item[] = [
  { kind: "directive", name: "Name", value: "admin-console" },
  { kind: "directive", name: "Password", value: "console-pw-1" },
  { kind: "directive", name: "JobAcl", value: ["*all*"] },
];

const cloud: Item[] = [
  { kind: "directive", name: "Name", value: "S3" },
  { kind: "directive", name: "Driver", value: "S3" },
  { kind: "directive", name: "AccessKey", value: "AKIDEXAMPLE" },
  { kind: "directive", name: "SecretKey", value: "cloud-secret-key-1" },
];

const jobExtra: Item[] = [
  { kind: "directive", name: "RunBeforeJob", value: "/bin/prepare console-pw-1-lookalike" },
  {
    kind: "block",
    name: "Runscript",
    items: [
      { kind: "directive", name: "Command", value: "/bin/a" },
      { kind: "directive", name: "Command", value: "/bin/b" },
    ],
  },
];

describe("generic items in the database", () => {
  it("encrypts every password-store value and every secret row; nothing else", () => {
    const sealed = sealItems(dirConsole, res("dir", "Console"));
    const json = JSON.stringify(sealed);
    expect(json).not.toContain("console-pw-1");
    expect(sealed[1]).toEqual({ kind: "directive", name: "Password", enc: expect.stringMatching(/^v1:/) });
    expect(sealed[2]).toEqual({ kind: "directive", name: "JobAcl", value: ["*all*"] });

    const sealedCloud = JSON.stringify(sealItems(cloud, res("sd", "Cloud")));
    expect(sealedCloud).not.toContain("cloud-secret-key-1");
    expect(sealedCloud).toContain("AKIDEXAMPLE");

    // A Catalog's DB password is a plain string store in Bacula, but a secret all the same.
    const cat: Item[] = [
      { kind: "directive", name: "Name", value: "C" },
      { kind: "directive", name: "Password", value: "db-pw-1" },
    ];
    expect(JSON.stringify(sealItems(cat, res("dir", "Catalog")))).not.toContain("db-pw-1");

    // Blocks keep their shape; a value that only looks like a password stays readable.
    const sealedJob = sealItems(jobExtra, res("dir", "Job"));
    expect(sealedJob).toEqual(jobExtra);
  });

  it("reads sealed items back exactly, positions dropped", () => {
    for (const [items, container] of [
      [dirConsole, res("dir", "Console")],
      [cloud, res("sd", "Cloud")],
      [jobExtra, res("dir", "Job")],
    ] as const) {
      const stored: unknown = JSON.parse(JSON.stringify(sealItems(items, container)));
      expect(openItems(stored, container)).toEqual(items);
    }
    const withPos: Item[] = [{ kind: "directive", name: "Name", value: "x", pos: { file: "/etc/bacula/a.conf", line: 3 } }];
    expect(openItems(JSON.parse(JSON.stringify(sealItems(withPos, res("dir", "Console")))), res("dir", "Console"))).toEqual([
      { kind: "directive", name: "Name", value: "x" },
    ]);
    expect(openItems(null, res("dir", "Console"))).toEqual([]);
    expect(() => openItems([{ kind: "directive", name: "Name" }], res("dir", "Console"))).toThrow();
  });

  it("never shows a secret in a view: an empty value flagged secret", () => {
    const stored: unknown = JSON.parse(JSON.stringify(sealItems(dirConsole, res("dir", "Console"))));
    const view = viewItems(stored, res("dir", "Console"));
    expect(JSON.stringify(view)).not.toContain("console-pw-1");
    expect(view[1]).toEqual({ kind: "directive", name: "Password", value: "", secret: true });
    expect(view[2]).toEqual({ kind: "directive", name: "JobAcl", value: ["*all*"] });
    const cloudView = viewItems(JSON.parse(JSON.stringify(sealItems(cloud, res("sd", "Cloud")))), res("sd", "Cloud"));
    expect(JSON.stringify(cloudView)).not.toContain("cloud-secret-key-1");
    expect(cloudView[3]).toEqual({ kind: "directive", name: "SecretKey", value: "", secret: true });
    // Even a password stored in clear by an older writer is not shown.
    const legacy = [{ kind: "directive", name: "Password", value: "clear-pw" }];
    expect(JSON.stringify(viewItems(legacy, res("dir", "Console")))).not.toContain("clear-pw");
    // A malformed column shows nothing rather than failing the page.
    expect(viewItems({ not: "items" }, res("dir", "Console"))).toEqual([]);
  });

  it("keeps a secret the client sent back unchanged, takes a new one, and matches namesakes by position", () => {
    const container = res("dir", "Console");
    const stored: unknown = JSON.parse(JSON.stringify(sealItems(dirConsole, container)));
    const view = viewItems(stored, container);
    expect(mergeKeptSecrets(view, stored, container)).toEqual(dirConsole);
    const changed: ViewItem[] = view.map((v) => (v.name === "Password" ? { kind: "directive", name: "Password", value: "new-pw" } : v));
    expect(mergeKeptSecrets(changed, stored, container)[1]).toEqual({ kind: "directive", name: "Password", value: "new-pw" });
    // No stored value to keep: the empty value stays empty (the validator refuses it).
    expect(mergeKeptSecrets([{ kind: "directive", name: "Password", value: "", secret: true }], null, container)).toEqual([
      { kind: "directive", name: "Password", value: "" },
    ]);
    // `secret` on a directive that is no secret does not pull anything from the store.
    expect(mergeKeptSecrets([{ kind: "directive", name: "Description", value: "", secret: true }], stored, container)).toEqual([
      { kind: "directive", name: "Description", value: "" },
    ]);
  });
});
