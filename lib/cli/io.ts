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
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTty: Boolean(process.stderr.isTTY),
  };
}

/** Exit codes, shared with `stem health` where they overlap (contract §5). */
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

/** Thrown by a command to end with a given exit code after it has written its output. */
export class CliExit extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}
