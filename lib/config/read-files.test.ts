/** The config reader's encoding rule: a file that is not UTF-8 is refused with where its first bad byte is, and never echoed. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigReadError, firstInvalidUtf8, parseConfigFiles } from "./read-files";

describe("a config that is not UTF-8", () => {
  it("is refused naming the line and byte of the first bad byte, its text not shown", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-enc-"));
    const f = path.join(dir, "bacula-fd.conf");
    // "Café" in Latin-1 on line 3 (a comment Bacula would read as bytes).
    fs.writeFileSync(f, Buffer.concat([Buffer.from("FileDaemon {\n  Name = x-fd\n  # Caf"), Buffer.from([0xe9]), Buffer.from(" secret-looking words\n}\n")]));
    let err: unknown;
    try {
      parseConfigFiles([f], undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigReadError);
    expect((err as ConfigReadError).rule).toBe("encoding");
    expect((err as Error).message).toBe(`${f}: is not UTF-8 text (line 3, byte 34: save it as UTF-8)`);
    expect((err as Error).message).not.toContain("secret-looking");
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
