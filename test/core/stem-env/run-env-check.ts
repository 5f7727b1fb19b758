import { Command, CommanderError } from "commander";
import { registerEnv } from "../../../lib/cli/commands/env-check";
import { CliExit, type CliIo } from "../../../lib/cli/io";

/** Output and exit code of one in-process `stemguard env ...` run. */
export interface EnvCheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `stemguard <args>` with only the `env` group registered, mapping exits as lib/cli/main.ts does. */
export async function runEnvCli(args: readonly string[], cwd: string): Promise<EnvCheckRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, cwd, stderrIsTty: false };
  const program = new Command("stemguard").exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerEnv(program, io);
  let code = 0;
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (err) {
    if (err instanceof CliExit) code = err.code;
    else if (err instanceof CommanderError) code = err.exitCode === 0 ? 0 : 64;
    else throw err;
  }
  return { code, stdout, stderr };
}
