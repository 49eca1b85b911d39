/**
 * An uploaded config directory as the include resolver sees it: files by their host path, directory
 * listings one level deep, refusals that name the file and the rule (and never its content).
 */
import { describe, expect, it } from "vitest";
import { defaultMainFiles } from "./import-form";
import { includeResolver } from "./includes";
import { MAX_UPLOAD_FILES, uploadedTree, UploadError } from "./upload-files";

const enc = (s: string) => new TextEncoder().encode(s);
const tree = () =>
  uploadedTree("/etc/bacula/", [
    { path: "bacula-dir.conf", bytes: enc("Director {}\n") },
    { path: "conf.d/b.conf", bytes: enc("B") },
    { path: "conf.d/a.conf", bytes: enc("A") },
    { path: "conf.d/deeper/c.conf", bytes: enc("C") },
  ]);

describe("uploadedTree", () => {
  it("reads files by host path and lists directories one level deep, like the disk would", () => {
    const t = tree();
    expect(t.root).toBe("/etc/bacula");
    expect(t.access.readFile("/etc/bacula/conf.d/../bacula-dir.conf")).toBe("Director {}\n");
    expect(t.access.listDir("/etc/bacula/conf.d").sort()).toEqual(["a.conf", "b.conf", "deeper"]);
    expect(t.access.listDir("/etc/bacula").sort()).toEqual(["bacula-dir.conf", "conf.d"]);
    expect(() => t.access.readFile("/etc/bacula/conf.d")).toThrow("is a directory");
    expect(() => t.access.readFile("/etc/bacula/missing.conf")).toThrow(/was not uploaded/);
    expect(() => t.access.readFile("/etc/passwd")).toThrow(/is outside \/etc\/bacula/);
    expect(() => t.access.listDir("/etc/bacula/none")).toThrow(/upload that directory too \(as it is under \/etc\/bacula\)/);
    // (Outside the upload's directory, uploading it "too" cannot help.)
    expect(() => t.access.listDir("/srv")).toThrow(/^it is outside \/etc\/bacula, the directory the upload is of/);
    expect(t.totalBytes).toBe(15);
  });

  it("serves the piped directory-listing include in the shell's order", () => {
    const r = includeResolver(tree().access)(`|sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @\${f} ; done'`, "/etc/bacula/bacula-dir.conf");
    expect(r).toEqual({ kind: "files", files: [{ name: "/etc/bacula/conf.d/a.conf", text: "A" }, { name: "/etc/bacula/conf.d/b.conf", text: "B" }] });
  });

  it("refuses bad paths, duplicates, oversize uploads and non-text files, naming the file and the rule", () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(UploadError);
        const u = e as UploadError;
        return [u.field, u.file, u.rule];
      }
      throw new Error("not refused");
    };
    const one = (path: string, bytes = enc("x")) => () => uploadedTree("/etc/bacula", [{ path, bytes }]);
    expect(refused(() => uploadedTree("etc", []))).toEqual(["root", undefined, "root"]);
    expect(refused(() => uploadedTree("/etc/\u0007", []))).toEqual(["root", undefined, "root"]);
    for (const p of ["", "/abs.conf", "a//b.conf", "../x.conf", "a/./b", "a/..", "tab\there.conf", "nl\n.conf", "c1\u0085.conf"]) expect(refused(one(p)), JSON.stringify(p)).toEqual(["files", p, "path"]);
    expect(refused(() => uploadedTree("/e", [{ path: "a", bytes: enc("1") }, { path: "a", bytes: enc("2") }]))).toEqual(["files", "a", "duplicate"]);
    expect(refused(() => uploadedTree("/e", [{ path: "a", bytes: enc("12345") }], { maxFileBytes: 4 }))).toEqual(["files", "a", "max-size"]);
    expect(refused(() => uploadedTree("/e", [{ path: "a", bytes: enc("123") }, { path: "b", bytes: enc("123") }], { maxTotalBytes: 5 }))).toEqual(["files", "b", "max-total"]);
    expect(refused(() => uploadedTree("/e", Array.from({ length: MAX_UPLOAD_FILES + 1 }, (_, i) => ({ path: `f${i}`, bytes: enc("") }))))).toEqual(["files", undefined, "max-files"]);
    for (const p of ["e\u0301.conf", "a\u200b.conf", "x\u202e.conf"]) expect(refused(one(p)), JSON.stringify(p)).toEqual(["files", p, "path"]);
    // Text is checked when a file is read: a file nothing reads may be anything.
    const t = uploadedTree("/e", [{ path: "a", bytes: Uint8Array.from([0x41, 0xc3]) }, { path: "b", bytes: enc("a\0b") }, { path: "secret.conf", bytes: Uint8Array.from([...enc('Password = "hunter2"\n'), 0xff]) }]);
    expect(() => t.access.readFile("/e/a")).toThrow("is not UTF-8 text (line 1, byte 1: save it as UTF-8)");
    expect(() => t.access.readFile("/e/b")).toThrow("holds NUL bytes");
    // A refusal never shows what the file holds.
    expect(() => t.access.readFile("/e/secret.conf")).toThrow(/^is not UTF-8 text \(line 2, byte 21: save it as UTF-8\)$/);
  });
});

describe("defaultMainFiles", () => {
  it("takes the *.conf files at the top, not those under conf.d/ or scripts/, nor other files, nor the consoles' configs", () => {
    expect(defaultMainFiles([{ path: "bacula-dir.conf" }, { path: "conf.d/pools.conf" }, { path: "common_default_passwords" }, { path: "scripts/query.sql" }, { path: "bconsole.conf" }, { path: "bacula-fd.conf" }])).toEqual(["bacula-dir.conf", "bacula-fd.conf"]);
  });
});
