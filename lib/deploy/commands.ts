/**
 * Which programs the dashboard may run on a host (Director start / stop commands, a Storage
 * Daemon's restart command) and which paths may be bconsole and its config. Commands run as argv,
 * without a shell (lib/deploy/quote.ts), but `/bin/sh -c ...` as argv is still a shell: so a
 * command's program must be on the allow-list below, or one an admin added (lib/deploy/programs.ts),
 * and no interpreter or program runner is ever accepted, not even from an admin.
 *
 * Client-safe (pure): the Deploy page shows the same rules.
 */
import { posix } from "node:path";

export interface CommandProblem {
  rule: string;
  message: string;
}

/** Programs always allowed, by name (found through the host's PATH) or in a system directory. */
export const ALLOWED_PROGRAMS = [
  "systemctl",
  "service",
  "invoke-rc.d",
  "bacula-dir",
  "bacula-sd",
  "bacula-fd",
  "bacula-ctl-dir",
  "bacula-ctl-sd",
  "bacula-ctl-fd",
  "pg_ctl",
  "pg_ctlcluster",
] as const;

/** Where an allowed program may live when it is given with a path. */
const SYSTEM_DIRS = [/^\/(usr\/(local\/)?)?s?bin$/, /^\/opt\/bacula\/(bin|scripts|sbin)$/, /^\/usr\/lib\/postgresql\/\d+\/bin$/];

/**
 * Shells, interpreters and programs that run another program or evaluate text: refused as a
 * command's program, as an admin's extra program, and as bconsole.
 */
const INTERPRETER =
  /^(?:(?:ba|da|z|k|c|tc|a|fi|mk|r|pdk|lk|y)?sh|(?:busybox|toybox|python|pypy|perl|ruby|irb|php|lua|luajit|tclsh|wish|node|nodejs|deno|bun|Rscript|julia|guile|racket|sbcl|ocaml|java|jshell|groovy|dotnet|mono|pwsh|expect|gdb|vim?|nvim|emacs|ed|sed|awk|gawk|mawk|nawk|m4|make|git|ssh|rsync|socat|nc|ncat|netcat|find|xargs|parallel|env|nice|ionice|nohup|timeout|stdbuf|setsid|chroot|chrt|taskset|flock|watch|script|screen|tmux|su|doas|pkexec|runuser|setpriv|unshare|nsenter|capsh|systemd-run|at|batch|crontab|strace|ltrace|valgrind|time|exec|eval|command|builtin)[\d.]*)$/;

export function isInterpreter(program: string): boolean {
  return INTERPRETER.test(posix.basename(program));
}

/** systemctl / service: only these verbs, and unit names, never unit file paths. */
const SERVICE_VERBS = new Set(["start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "try-reload-or-restart", "force-reload", "status"]);
const UNIT_NAME = /^[A-Za-z0-9@._:-]+$/;
const BACULA_CTL_VERBS = new Set(["start", "stop", "restart", "status"]);

function ruleOf(name: string, args: readonly string[]): CommandProblem | null {
  const positional = args.filter((a) => !a.startsWith("-"));
  switch (name) {
    case "systemctl": {
      const flags = args.filter((a) => a.startsWith("-"));
      const badFlag = flags.find((f) => !["--no-block", "--quiet", "-q", "--no-ask-password", "--wait"].includes(f));
      if (badFlag) return { rule: "systemctl-flag", message: `systemctl option ${badFlag} is not allowed (only --no-block, --quiet, --no-ask-password, --wait)` };
      const [verb, ...units] = positional;
      if (!verb || !SERVICE_VERBS.has(verb)) return { rule: "systemctl-verb", message: `systemctl must be followed by one of ${[...SERVICE_VERBS].join(", ")}` };
      if (units.length === 0) return { rule: "unit-name", message: "systemctl needs the unit to act on" };
      const bad = units.find((u) => !UNIT_NAME.test(u));
      if (bad) return { rule: "unit-name", message: `"${bad}" is not a unit name (letters, digits and @ . _ : - only; no paths)` };
      return null;
    }
    case "service":
    case "invoke-rc.d": {
      if (args.length !== 2 || !UNIT_NAME.test(args[0]) || !SERVICE_VERBS.has(args[1])) {
        return { rule: "service-args", message: `${name} takes a service name and one of ${[...SERVICE_VERBS].join(", ")}` };
      }
      return null;
    }
    case "bacula-ctl-dir":
    case "bacula-ctl-sd":
    case "bacula-ctl-fd":
      if (args.length !== 1 || !BACULA_CTL_VERBS.has(args[0])) return { rule: "bacula-ctl-args", message: `${name} takes one of ${[...BACULA_CTL_VERBS].join(", ")}` };
      return null;
    case "pg_ctl":
    case "pg_ctlcluster": {
      // -o / --options pass settings (archive_command ...) to the server, -p names its executable.
      const bad = args.find((a) => /^--(options|postgres|exec)/.test(a) || /^-[^-]*[op]/.test(a));
      if (bad) return { rule: "pg-ctl-options", message: `${name} option ${bad} is not allowed (it passes options or a program to the server)` };
      return null;
    }
    default:
      return null;
  }
}

/** The program after an optional `sudo [-n]` prefix, and its arguments. */
function unwrapSudo(argv: readonly string[]): { program: string; args: string[]; sudo: boolean } | CommandProblem {
  if (posix.basename(argv[0]) !== "sudo") return { program: argv[0], args: argv.slice(1), sudo: false };
  let i = 1;
  while (argv[i] === "-n" || argv[i] === "--non-interactive") i++;
  if (i >= argv.length) return { rule: "sudo", message: "sudo must be followed by the program to run" };
  if (argv[i].startsWith("-")) return { rule: "sudo", message: `sudo option ${argv[i]} is not allowed (only -n)` };
  return { program: argv[i], args: argv.slice(i + 1), sudo: true };
}

export function isAllowedByDefault(program: string): boolean {
  const name = posix.basename(program);
  if (!(ALLOWED_PROGRAMS as readonly string[]).includes(name)) return false;
  if (!program.includes("/")) return true;
  return posix.isAbsolute(program) && SYSTEM_DIRS.some((re) => re.test(posix.dirname(posix.normalize(program))));
}

/** A program an admin may add: an absolute plain path or a bare name, never an interpreter. */
export function checkExtraProgram(program: string): CommandProblem | null {
  if (!/^(\/[A-Za-z0-9._+-]+)+$|^[A-Za-z0-9._+-]+$/.test(program)) {
    return { rule: "program-name", message: "must be a program name or an absolute path of letters, digits and . _ + - only" };
  }
  if (program.split("/").includes("..")) return { rule: "program-name", message: "must not contain .." };
  if (isInterpreter(program)) return { rule: "interpreter", message: `${posix.basename(program)} runs other programs or code: never allowed` };
  return null;
}

/**
 * Checks one command (already split into argv): its program must be allowed and not an
 * interpreter, and its arguments must fit the program's rules. `extra` are the admin's programs.
 */
export function checkCommandPolicy(argv: readonly string[], extra: readonly string[] = []): CommandProblem | null {
  if (argv.length === 0) return { rule: "required", message: "is empty" };
  const u = unwrapSudo(argv);
  if ("rule" in u) return u;
  const { program, args } = u;
  if (isInterpreter(program)) {
    return { rule: "interpreter", message: `${posix.basename(program)} is a shell, an interpreter or runs other programs: commands run without a shell; call an allowed program` };
  }
  if (program.includes("/") && (!posix.isAbsolute(program) || program.split("/").includes(".."))) {
    return { rule: "program-path", message: `${program}: a program with a path must be an absolute path without ..` };
  }
  if (extra.includes(program)) return null;
  if (!isAllowedByDefault(program)) {
    return {
      rule: "program-allowed",
      message: `${program} is not an allowed program (allowed: ${ALLOWED_PROGRAMS.join(", ")}, by name or in /usr/bin, /usr/sbin, /bin, /sbin, /usr/local/(s)bin, /opt/bacula/{bin,sbin,scripts}, /usr/lib/postgresql/N/bin); an admin can allow another program on the Deploy page`,
    };
  }
  return ruleOf(posix.basename(program), args);
}

const PLAIN_PATH = /^(\/[A-Za-z0-9._+-]+)+$/;

/** bconsole's path (before the check on the host): absolute, plain, not an interpreter. */
export function checkBconsolePath(path: string): CommandProblem | null {
  if (!PLAIN_PATH.test(path)) return { rule: "absolute-path", message: "must be an absolute path of letters, digits and . _ + - / only" };
  if (path.split("/").includes("..")) return { rule: "absolute-path", message: "must not contain .." };
  if (isInterpreter(path)) return { rule: "interpreter", message: `${posix.basename(path)} is a shell or an interpreter, not bconsole` };
  return null;
}

/** bconsole's config file: absolute, plain, a .conf file (so /etc/passwd and the like are refused). */
export function checkBconsoleConfig(path: string): CommandProblem | null {
  if (!PLAIN_PATH.test(path)) return { rule: "absolute-path", message: "must be an absolute path of letters, digits and . _ + - / only" };
  if (path.split("/").includes("..")) return { rule: "absolute-path", message: "must not contain .." };
  if (!path.endsWith(".conf")) return { rule: "conf-file", message: "must be a bconsole configuration file ending in .conf" };
  return null;
}
