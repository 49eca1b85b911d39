import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCommand, shQuote } from "./quote";

/** Run a command line the way sshd does: `<shell> -c <line>`, and return stdout bytes. */
function runLocal(shell: string, line: string): Buffer {
  return execFileSync(shell, ["-c", line], { maxBuffer: 64 * 1024 * 1024 });
}

const noNul = (unit: "binary" | "grapheme" | "binary-ascii") =>
  fc.string({ unit, maxLength: 200 }).filter((s) => !s.includes("\0"));

describe("shQuote", () => {
  it("wraps in single quotes and escapes single quotes", () => {
    expect(shQuote("")).toBe("''");
    expect(shQuote("abc")).toBe("'abc'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote("'")).toBe("''\\'''");
    expect(shQuote("$(rm -rf /)")).toBe("'$(rm -rf /)'");
  });

  it("refuses NUL bytes", () => {
    expect(() => shQuote("a\0b")).toThrow(/NUL/);
  });
});

describe("buildCommand", () => {
  it("quotes every argument, the program name included", () => {
    expect(buildCommand(["ls", "-l", "a b"])).toBe("'ls' '-l' 'a b'");
    // An unquoted first word `A=b` would be an assignment, `time` a keyword.
    expect(buildCommand(["A=b", "time"])).toBe("'A=b' 'time'");
  });

  it("refuses an empty argv or program name", () => {
    expect(() => buildCommand([])).toThrow();
    expect(() => buildCommand([""])).toThrow();
  });

  const nasty = [
    "",
    " ",
    "a b\tc",
    "'",
    "''",
    '"',
    "\\",
    "\\'",
    "$(touch /tmp/bhd-pwned)",
    "`id`",
    "; rm -rf / #",
    "a\nb\n",
    "\n",
    "*",
    "~",
    "!x",
    "${HOME}",
    "$HOME",
    "-n",
    "--",
    "é ü 日本 🙂",
    "\x01\x1b[31m\x7f",
    "&&|<>()",
  ];

  for (const shell of ["/bin/sh", "/bin/bash"]) {
    it(`${shell}: nasty arguments arrive byte-exact, each as one argument`, () => {
      const out = runLocal(shell, buildCommand(["printf", "%s\\0", ...nasty]));
      const args = out.toString("utf8").split("\0");
      expect(args.pop()).toBe("");
      expect(args).toEqual(nasty);
    });

    it(`${shell}: property: sh -c buildCommand(['printf','%s', s]) prints exactly s`, () => {
      fc.assert(
        fc.property(fc.oneof(noNul("binary"), noNul("grapheme"), noNul("binary-ascii")), (s) => {
          const out = runLocal(shell, buildCommand(["printf", "%s", s]));
          expect(out.equals(Buffer.from(s, "utf8"))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it(`${shell}: property: argv of random strings survives as argv`, () => {
      fc.assert(
        fc.property(fc.array(noNul("binary-ascii"), { minLength: 1, maxLength: 6 }), (argv) => {
          const out = runLocal(shell, buildCommand(["printf", "%s\\0", ...argv]));
          const got = out.toString("utf8").split("\0");
          expect(got.pop()).toBe("");
          expect(got).toEqual(argv);
        }),
        { numRuns: 150 },
      );
    });
  }
});
