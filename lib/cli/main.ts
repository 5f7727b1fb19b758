import { Command, CommanderError } from "commander";
import { StemConfigError, StemguardError } from "../core/errors";
import { CliExit, CliIo, EXIT, exitCodeHelp, processIo } from "./io";
import { COMMANDS } from "./commands";
import { refuseNodePrescannedFlags } from "./node-prescanned-flags";
import { packageVersion } from "./package-version";

/** Builds the `stemguard` program. Commands load heavy modules only inside their actions. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("stemguard")
    .description("Stem security as code: signing keyrings, rotation phases, TLS and health checks.")
    .version(packageVersion())
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .addHelpText("after", `\n${exitCodeHelp()}\nEvery command has --help with an example; data commands take --json.`);
  for (const register of COMMANDS) register(program, io);
  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit itself). */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    refuseNodePrescannedFlags(argv);
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.OK;
  } catch (err) {
    // `health` keeps stem health's contract: nothing on stdout for a config error.
    return exitCodeFor(err, io, argv.includes("--json") && argv[0] !== "health");
  }
}

function exitCodeFor(err: unknown, io: CliIo, json: boolean): number {
  if (err instanceof CliExit) return err.code;
  if (err instanceof CommanderError) {
    // --help and --version end through here with exitCode 0; commander has already printed usage errors.
    if (err.exitCode === 0) return EXIT.OK;
    if (json) printJsonError(io, EXIT.USAGE, { message: err.message });
    return EXIT.USAGE;
  }
  if (err instanceof StemguardError || err instanceof StemConfigError) {
    io.stderr(`stemguard: ${err.message}\n`);
    // With --json, scripts also get the error as data on stdout.
    if (json) {
      printJsonError(
        io,
        EXIT.USAGE,
        err instanceof StemguardError ? { message: err.message, field: err.field, value: err.value ?? null, fix: err.fix } : { message: err.message },
      );
    }
    return EXIT.USAGE;
  }
  // A crash must not read as a verdict (1 = a check failed): it gets its own code.
  const detail = err instanceof Error ? (io.env.STEMGUARD_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
  io.stderr(`stemguard: internal error: ${detail}\n(set STEMGUARD_DEBUG=1 for the stack trace; please report it)\n`);
  if (json) printJsonError(io, EXIT.INTERNAL, { message: `internal error: ${err instanceof Error ? err.message : String(err)}` });
  return EXIT.INTERNAL;
}

/** `{"ok":false,"exitCode":N,"error":{...}}`: the same verdict as the exit status, as data. */
function printJsonError(io: CliIo, exitCode: number, error: Record<string, unknown>): void {
  io.stdout(`${JSON.stringify({ ok: false, exitCode, error })}\n`);
}
