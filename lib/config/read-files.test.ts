/** The config reader's encoding rule: a file that is not UTF-8 is refused with where its first bad byte is, and never echoed. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigReadError, firstInvalidUtf8, parseConfigFiles } from "./read-files";

describe("a config that is not UTF-8", () => {
  it("is refused naming the line and byte of the first bad byte outside a comment, its text not shown", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-enc-"));
    const f = path.join(dir, "bacula-fd.conf");
    // "Café" in Latin-1 in a comment on line 3, and in a value on line 5 (a Description Bacula would read as bytes).
    const latin = (s: string) => Buffer.from(s, "latin1");
    fs.writeFileSync(f, Buffer.concat([latin("FileDaemon {\n  Name = x-fd\n  # Café secret-looking words\n  WorkingDirectory = /w\n  Description = \"Café secret-looking\"\n}\n")]));
    let err: unknown;
    try {
      parseConfigFiles([f], undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigReadError);
    expect((err as ConfigReadError).rule).toBe("encoding");
    expect((err as Error).message).toBe(`${f}: is not UTF-8 text (line 5, byte 101: save it as UTF-8)`);
    expect((err as Error).message).not.toContain("secret-looking");
    expect(fs.readFileSync(f)[101]).toBe(0xe9);
    // Lines counted as Bacula's lexer counts them: a lone CR ends one too.
    fs.writeFileSync(f, Buffer.from("FileDaemon {\n  Name = x-fd\n  Description = abc\r\xe9\n}\n", "latin1"));
    expect(() => parseConfigFiles([f], undefined)).toThrow(`${f}: is not UTF-8 text (line 4, byte 47: save it as UTF-8)`);
  });

  it("is read when its bytes that are not UTF-8 are all in comments (Bacula reads them, and no comment is kept)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-enc-"));
    const f = path.join(dir, "bacula-fd.conf");
    fs.writeFileSync(f, Buffer.from("# Sauvegarde quotidienne, modifiée le 3 février\nFileDaemon {\n  Name = x-fd # poste de Clément\n  WorkingDirectory = \"/var/lib/bacula\" # répertoire\n  Pid Directory = /run/bacula\n}\n", "latin1"));
    const [src] = parseConfigFiles([f], undefined);
    expect(src.daemon).toBe("fd");
    expect(src.result.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(JSON.stringify(src.result.tree.resources[0].items)).toContain("/var/lib/bacula");
    expect(JSON.stringify(src.result.tree)).not.toContain("\uFFFD");
  });

  it("finds the first invalid byte as the strict decoder does (truncated, overlong, surrogate forms)", () => {
    const cases: [number[], number][] = [
      [[0x61, 0xc3, 0xa9, 0x62], 4], // valid: é
      [[0x61, 0xc3], 1], // truncated
      [[0xc0, 0xaf], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
      [[0x0a, 0x0a, 0xff], 2],
    ];
    for (const [bytes, offset] of cases) {
      const buf = Uint8Array.from(bytes);
      const valid = (() => {
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(buf);
          return true;
        } catch {
          return false;
        }
      })();
      expect(firstInvalidUtf8(buf).offset, String(bytes)).toBe(offset);
      expect(valid).toBe(offset === bytes.length);
    }
    expect(firstInvalidUtf8(Uint8Array.from([0x0a, 0x0a, 0xff])).line).toBe(3);
  });
});
