import * as path from "node:path";
import type { Command } from "commander";
import { StemConfigError } from "../../core/errors";
import { READ_CAPS } from "../../core/fs/limits";
import { readRegularTextFile } from "../../core/fs/read-regular-file";
import type { StemEnvelope } from "../../core/signing/envelope";
import type { StemSigningConfig } from "../../core/stem-env/signing-config";
import { CliExit, EXIT, type CliIo } from "../io";
import { SIGNING_ENV_FLAG } from "../node-prescanned-flags";
import type { RegisterCommand } from "./index";

/**
 * `stemguard sign` and `stemguard verify`: Stem's PayloadSigner on an
 * envelope file, with the signing config read from an env file exactly as
 * Stem reads it. Key material is never printed: Stem's config errors are
 * shown with the values redacted.
 */

interface EnvelopeOptions {
  readonly signingEnv: string;
  readonly envelope: string;
  readonly tz?: string;
}

interface VerifyOptions extends EnvelopeOptions {
  readonly json?: boolean;
}

// Said in both commands' help: the flag node would take for itself, and what node does with it.
const NODE_ENV_FILE_NOTE = `The env file is ${SIGNING_ENV_FLAG}, not --env-file: node reads --env-file
itself from the whole command line, before stemguard runs (a missing file
ends node with exit 9, "node: FILE: not found").`;

const TZ_HELP = "read timestamps without an offset as a Stem process with TZ=<zone> would (default: this process's TZ)";

/** `stemguard sign --signing-env FILE --envelope FILE`. */
export const registerSign: RegisterCommand = (program, io) => {
  addEnvelopeOptions(program.command("sign"))
    .description("Sign a Stem envelope (JSON) as Stem's producers do, and print it with stem-signature and stem-signature-key set.")
    .addHelpText(
      "after",
      `
The env file holds STEM_SIGNING_* lines as the producer gets them. The
envelope is the task JSON Stem stores (Envelope.toJson); it is printed back
unchanged except for the two headers, raw numbers included.

${NODE_ENV_FILE_NOTE}

Exit codes: 0 signed (or printed unchanged when the config disables signing,
as Stem does), 64 bad input or a config Stem itself would refuse.

Example:
  $ stemguard sign --signing-env deploy/producer.env --envelope task.json > signed.json`,
    )
    .action(async (options: EnvelopeOptions) => {
      const { signEnvelope } = (require("../../core/signing/sign") as typeof import("../../core/signing/sign"));
      const { config, envelope } = await load(options, io);
      let signed: StemEnvelope;
      try {
        signed = signEnvelope(envelope, config);
      } catch (err) {
        if (!(err instanceof StemConfigError)) throw err;
        // Sign-time StateErrors carry key ids only, never values.
        io.stderr(`stemguard: Stem cannot sign with this config: ${await dartText(err)}\n`);
        throw new CliExit(EXIT.USAGE);
      }
      if (!config.isEnabled) {
        io.stderr("stemguard: warning: signing is disabled by this config (Stem's signer returns the envelope unchanged)\n");
      }
      io.stdout(`${signed.toJson()}\n`);
    });
};

/** `stemguard verify --signing-env FILE --envelope FILE [--json]`. */
export const registerVerify: RegisterCommand = (program, io) => {
  addEnvelopeOptions(program.command("verify"))
    .description("Verify a Stem envelope's signature exactly as a Stem worker does, with Stem's own failure messages.")
    .option("--json", "print one JSON object on stdout")
    .addHelpText(
      "after",
      `
The env file holds STEM_SIGNING_* lines as the worker gets them.

${NODE_ENV_FILE_NOTE}

Exit codes: 0 valid (or signing disabled: Stem accepts without checking),
1 invalid (Stem's message on stderr: missing signature headers, unknown
signing key "<id>", signature header is not base64 encoded, signature
mismatch), 64 bad input or a config Stem itself would refuse.

Examples:
  $ stemguard verify --signing-env deploy/worker.env --envelope signed.json
  ok: signed by primary
  $ stemguard verify --signing-env deploy/worker.env --envelope replayed.json --json
  {"valid":false,"message":"signature mismatch","keyId":"primary"}`,
    )
    .action(async (options: VerifyOptions) => {
      const { verifyEnvelope } = (require("../../core/signing/verify") as typeof import("../../core/signing/verify"));
      const { config, envelope } = await load(options, io);
      const result = verifyEnvelope(envelope, config);
      if (options.json) {
        const body = result.ok
          ? { valid: true, keyId: result.keyId, checked: result.checked }
          : { valid: false, message: result.message, keyId: result.keyId, ...(result.stemThrows ? { stemThrows: result.stemThrows } : {}) };
        io.stdout(`${JSON.stringify(body)}\n`);
      } else if (result.ok) {
        io.stdout(result.checked ? `ok: signed by ${result.keyId}\n` : "ok: signing is disabled by this config; Stem accepts the envelope without checking\n");
      } else {
        io.stderr(`${result.message}\n`);
        if (result.stemThrows) {
          io.stderr(
            `stemguard: Stem throws ${result.stemThrows} here, not SignatureVerificationException: the worker does not dead-letter it as signature-invalid\n`,
          );
        }
      }
      if (!result.ok) throw new CliExit(EXIT.FAILED);
    });
};

function addEnvelopeOptions(command: Command): Command {
  return command
    .requiredOption(
      `${SIGNING_ENV_FLAG} <file>`,
      "env file with the STEM_SIGNING_* variables (KEY=VALUE lines); not --env-file, which node reads itself (a missing file ends node with exit 9)",
    )
    .requiredOption("--envelope <file>", "envelope JSON as Stem stores it")
    .option("--tz <zone>", TZ_HELP);
}

/** Reads the env file (Stem's parser) and the envelope; config errors end the command with 64. */
async function load(options: EnvelopeOptions, io: CliIo): Promise<{ config: StemSigningConfig; envelope: StemEnvelope }> {
  const { readEnvFile } = (require("../../core/stem-env/env-file") as typeof import("../../core/stem-env/env-file"));
  const { parseStemSigningEnv } = (require("../../core/stem-env/parse-signing-env") as typeof import("../../core/stem-env/parse-signing-env"));
  const { parseEnvelope } = (require("../../core/signing/envelope") as typeof import("../../core/signing/envelope"));
  const env = readEnvFile(path.resolve(io.cwd, options.signingEnv));
  let config: StemSigningConfig;
  try {
    config = parseStemSigningEnv(env);
  } catch (err) {
    if (!(err instanceof StemConfigError)) throw err;
    io.stderr(`Failed to load StemConfig: ${await dartText(err)}\n`);
    throw new CliExit(EXIT.USAGE);
  }
  const text = readText(path.resolve(io.cwd, options.envelope), "--envelope");
  const envelope = parseEnvelope(text, { source: options.envelope, timeZone: options.tz });
  // Parsed as Stem parses it (the last of two equal keys wins); the file is still suspicious, so say so.
  const { findDuplicateJsonKey } = require("../../core/fs/json-duplicate-keys") as typeof import("../../core/fs/json-duplicate-keys");
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate !== undefined) {
    io.stderr(`warning: --envelope: key ${duplicate} appears twice in the same object; Stem (and this check) use the last one, other JSON readers may not\n`);
  }
  return { config, envelope };
}

/** Dart's `toString()` of Stem's error, with any key material redacted. */
async function dartText(err: StemConfigError): Promise<string> {
  const { dartErrorText, redactStemMessage } = (require("../../core/stem-env/parse-signing-env") as typeof import("../../core/stem-env/parse-signing-env"));
  return dartErrorText(new StemConfigError(err.kind, redactStemMessage(err.stemMessage)));
}

function readText(file: string, flag: string): string {
  return readRegularTextFile(file, { field: flag, maxBytes: READ_CAPS.envelope, what: "envelope file" });
}
