import type { EnvMap } from "../core/stem-env/signing-config";

/** Where a command reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: EnvMap;
  readonly cwd: string;
  /** Whether stderr is a terminal (progress indicators only draw there). */
  readonly stderrIsTty: boolean;
}

export function processIo(): CliIo {
  endQuietlyOnClosedPipes();
  return {
    stdout: (text) => void writeUnlessClosed(process.stdout, text),
    stderr: (text) => void writeUnlessClosed(process.stderr, text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTty: Boolean(process.stderr.isTTY),
  };
}

const closed = new WeakSet<NodeJS.WriteStream>();
let installed = false;

/**
 * `stemguard --help | head -1`: the reader goes away and the next write
 * fails with EPIPE, which Node raises as an 'error' event that kills the
 * process with a stack trace. A closed pipe is the reader saying "enough":
 * stop writing to it and let the command end with its own exit code.
 */
function endQuietlyOnClosedPipes(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") {
        closed.add(stream);
        return;
      }
      // Any other output failure: say so once on the other stream, and exit as an internal error.
      closed.add(stream);
      const other = stream === process.stdout ? process.stderr : process.stdout;
      if (!closed.has(other)) other.write(`stemguard: cannot write output (${err.code ?? err.message})\n`);
      process.exitCode = EXIT.INTERNAL;
    });
  }
}

function writeUnlessClosed(stream: NodeJS.WriteStream, text: string): void {
  if (!closed.has(stream) && !stream.destroyed) stream.write(text);
}

/** Exit codes, shared with `stem health` where they overlap (docs/stem-compat.md §5). */
export const EXIT = {
  OK: 0,
  /** A check ran and failed (verify mismatch, drill dropped a message, expiring cert). */
  FAILED: 1,
  /** stemguard itself failed (a bug): never a verdict. */
  INTERNAL: 2,
  /** Bad input or configuration (EX_USAGE / Stem's config-load failure). */
  USAGE: 64,
  /** A connection or TLS failure (EX_SOFTWARE, as `stem health`). */
  UNAVAILABLE: 70,
} as const;

/**
 * The exit-code table, one row per code: what it means and which commands
 * give it. `stemguard --help` prints it and README's CLI reference carries
 * the same rows (a test keeps them in step).
 */
export const EXIT_CODE_TABLE: readonly { readonly code: number; readonly meaning: string; readonly commands: string }[] = [
  { code: EXIT.OK, meaning: "ok", commands: "every command" },
  { code: EXIT.FAILED, meaning: "a check ran and failed", commands: "verify (signature refused), drill (a message not handled as planned), due (a step is due or overdue), review (illegal, unsafe or unparsable change), tls inspect (verdict FAIL), census --key and rotate retire/enforce --broker (messages signed with the key still live)" },
  { code: EXIT.INTERNAL, meaning: "internal error: a stemguard bug, never a verdict", commands: "any command" },
  {
    code: EXIT.USAGE,
    meaning: "usage or bad input",
    commands: "every command: unknown flag, bad value, unreadable, refused or unwritable file; a config Stem or stemguard refuses (env check, health, sign, verify)",
  },
  { code: EXIT.UNAVAILABLE, meaning: "connection or TLS failure", commands: "health (as stem health), census, rotate retire/enforce --broker" },
];

/** The table as `stemguard --help` prints it. */
export function exitCodeHelp(): string {
  const rows = EXIT_CODE_TABLE.map((r) => `  ${String(r.code).padEnd(3)} ${r.meaning}\n      ${r.commands}`);
  return ["Exit status (every command):", ...rows, 'With --json, an error also goes to stdout as {"ok":false,"exitCode":N,"error":{...}} (health keeps stem health\'s empty stdout).'].join("\n");
}

/** Thrown by a command to end with a given exit code after it has written its output. */
export class CliExit extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}
