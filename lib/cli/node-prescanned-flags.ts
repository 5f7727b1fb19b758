import { StemguardError } from "../core/errors";

/**
 * Flags node itself looks for in the WHOLE command line, also after the
 * script path, before any JavaScript runs (nodejs/node#54232; only `--`
 * stops the scan, and a `#!/usr/bin/env node` launcher cannot put one
 * before the script). A stemguard flag of these names would be read by node
 * first: a missing file ends node with exit 9 ("node: FILE: not found")
 * before stemguard starts; an existing one is read by node, which applies
 * any NODE_OPTIONS line in it. No stemguard option may take these names.
 */
export const NODE_PRESCANNED_FLAGS: readonly string[] = ["--env-file", "--env-file-if-exists"];

/** The flag that takes the env file on `sign` and `verify`. */
export const SIGNING_ENV_FLAG = "--signing-env";

/**
 * Refuses a node-prescanned flag that reached stemguard (node found the file
 * and went on), instead of commander's bare "unknown option".
 */
export function refuseNodePrescannedFlags(argv: readonly string[]): void {
  argv.forEach((arg, i) => {
    const flag = NODE_PRESCANNED_FLAGS.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (flag === undefined) return;
    const next = argv[i + 1];
    const file = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : next?.startsWith("-") ? undefined : next;
    throw new StemguardError(
      `not a stemguard option: node itself reads ${flag} anywhere on the command line, before stemguard starts (node has already opened this file; a missing --env-file file ends node with exit 9 "node: FILE: not found")`,
      { field: flag, value: file, fix: `pass the env file as ${SIGNING_ENV_FLAG} ${file ?? "FILE"}` },
    );
  });
}
