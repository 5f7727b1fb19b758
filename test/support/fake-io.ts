import type { CliIo } from "../../lib/cli/io";
import type { EnvMap } from "../../lib/core/stem-env/signing-config";

/** A CliIo that captures output, for running commands in-process. */
export function fakeIo(cwd: string, env: EnvMap = {}): CliIo & { out(): string; err(): string } {
  let out = "";
  let err = "";
  return {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    env,
    cwd,
    stderrIsTty: false,
    out: () => out,
    err: () => err,
  };
}
