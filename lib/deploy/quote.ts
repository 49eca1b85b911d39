/**
 * POSIX shell quoting for remote command lines.
 *
 * An SSH "exec" request carries one string, which the remote sshd hands to the user's login shell
 * as `$SHELL -c <string>`. To pass an argv safely, every argument is wrapped in single quotes, inside
 * which a POSIX shell treats every byte literally; a single quote itself is written as `'\''`
 * (close quote, escaped quote, reopen quote). Nothing is ever left unquoted, so the first word can't
 * become an assignment (`A=b`) or a reserved word (`if`, `time`), and `$()`, backquotes, `;`, `|`,
 * globs, `~`, newlines and spaces in any argument arrive unchanged.
 *
 * Assumes a POSIX-compatible login shell on the remote side (sh, dash, bash, ksh, zsh). csh/tcsh and
 * fish quote differently; a user whose shell is nologin cannot exec at all (SFTP still works).
 */

/** Quote one argument for a POSIX shell. Throws on NUL, which no argv element can contain. */
export function shQuote(arg: string): string {
  if (typeof arg !== "string") throw new TypeError("shQuote: argument must be a string");
  if (arg.includes("\0")) throw new RangeError("shQuote: argument contains a NUL byte, which cannot be passed in argv");
  return "'" + arg.replaceAll("'", "'\\''") + "'";
}

/** Build a command line from an argv; every element is quoted. */
export function buildCommand(argv: readonly string[]): string {
  if (!Array.isArray(argv) || argv.length === 0) throw new RangeError("buildCommand: argv must not be empty");
  if (argv[0] === "") throw new RangeError("buildCommand: the program name must not be empty");
  return argv.map(shQuote).join(" ");
}
