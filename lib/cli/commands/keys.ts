import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { assertWriteTarget, writeFileAtomic } from "../../core/fs/atomic-write";
import { type SigningAlgorithm } from "../../core/keyring/types";
import { DEFAULT_LEDGER_FILE, readLedgerFile } from "../../core/keyring/ledger-file";
import { ALGORITHM_FLAG_HELP, parseAlgorithmFlag } from "../flags";
import type { RegisterCommand } from "./index";

export const registerKeys: RegisterCommand = (program, io) => {
  const keys = program.command("keys").description("Generate signing key material.");
  keys
    .command("generate")
    .description("Generate material for one key and print it as Stem env lines (the same lines Stem's own generator prints).")
    .requiredOption("--algorithm <name>", ALGORITHM_FLAG_HELP, parseAlgorithmFlag)
    .requiredOption("--id <id>", "key id ([A-Za-z0-9._-]+), as in the ledger")
    .option("--format <format>", "env: Stem env lines; tf-var: an `export TF_VAR_...` line for the keyring's ephemeral input", "env")
    .option("--name-prefix <prefix>", "with --format tf-var: the keyring's namePrefix (names the Terraform variable)")
    .option("--out <file>", "write to FILE (atomically, mode 0600) instead of stdout")
    .option("--force", "overwrite an existing --out file")
    .addHelpText(
      "after",
      `
The output contains secret material. Without --out it goes to stdout, because
printing it is what this command is for; keep it out of logs and shells' history.

Examples:
  $ stemguard keys generate --algorithm ed25519 --id k2 --out material/k2.env
  wrote material/k2.env (mode 0600): ed25519 key "k2"
  $ stemguard keys generate --algorithm hmac-sha256 --id k2 --format tf-var --name-prefix stem-signing
  export TF_VAR_stem_signing_key_k2='{"secret":"<base64>"}'`,
    )
    .action((opts: { algorithm: SigningAlgorithm; id: string; format: string; namePrefix?: string; out?: string; force?: boolean }) => {
      const namePrefix = checkFormat(opts.format, opts.namePrefix);
      const { generateKeyMaterial, materialEnvLines, materialTfVarLine } = materialModules();
      const material = generateKeyMaterial(opts.algorithm, opts.id);
      const text = `${namePrefix === undefined ? materialEnvLines(material).join("\n") : materialTfVarLine(namePrefix, material)}\n`;
      if (!opts.out) {
        io.stdout(text);
        return;
      }
      const file = path.resolve(io.cwd, opts.out);
      // Before creating directories: refuses /proc, /sys, /dev, links, FIFOs and devices.
      assertWriteTarget(file, "--out");
      if (!fs.existsSync(path.dirname(file))) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      try {
        writeFileAtomic(file, text, { mode: 0o600, overwrite: Boolean(opts.force), field: "--out" });
      } catch (err) {
        if (err instanceof StemguardError && err.value === file && /exists/.test(err.message)) {
          throw new StemguardError("file exists; refusing to overwrite key material", {
            field: "--out",
            value: opts.out,
            fix: "choose a new file, or pass --force if you really mean to replace this key",
          });
        }
        throw err;
      }
      io.stderr(`wrote ${opts.out} (mode 0600): ${material.algorithm} key "${material.id}"\n`);
    });

  keys
    .command("tf-vars")
    .description("Print the ephemeral Terraform inputs (export TF_VAR_...) of every live key in the ledger, from a material directory.")
    .option("--ledger <file>", "ledger file", DEFAULT_LEDGER_FILE)
    .requiredOption("--material <dir>", "directory of <key-id>.env files written by 'stemguard keys generate --out'")
    .requiredOption("--name-prefix <prefix>", "the keyring's namePrefix (names the Terraform variables)")
    .addHelpText(
      "after",
      `
The output contains material: source it in the shell that runs terraform,
never commit or log it. Retired keys are left out.

Example:
  $ eval "$(stemguard keys tf-vars --material material/ --name-prefix stem-signing)"
  $ terraform plan`,
    )
    .action((opts: { ledger: string; material: string; namePrefix: string }) => {
      const ledger = readLedgerFile(path.resolve(io.cwd, opts.ledger));
      const dir = path.resolve(io.cwd, opts.material);
      const { readKeyMaterial, materialTfVarLine } = materialModules();
      const lines = ledger.keys
        .filter((k) => k.state !== "retired")
        .map((k) => materialTfVarLine(opts.namePrefix, readKeyMaterial(dir, k.id, ledger.algorithm)));
      io.stdout(`${lines.join("\n")}\n`);
    });
};

/** Key generation and encoding, loaded on use so `stemguard --help` does not load the Ed25519 library. */
function materialModules() {
  return {
    ...(require("../../core/material/generate") as typeof import("../../core/material/generate")),
    ...(require("../../core/material/encode") as typeof import("../../core/material/encode")),
    ...(require("../../core/material/material-dir") as typeof import("../../core/material/material-dir")),
    ...(require("../../core/material/tf-var") as typeof import("../../core/material/tf-var")),
  };
}

/** The name prefix for `--format tf-var`, undefined for `--format env`. */
function checkFormat(format: string, namePrefix: string | undefined): string | undefined {
  if (format === "env") return undefined;
  if (format !== "tf-var") {
    throw new StemguardError("unknown output format", { field: "--format", value: format, fix: "use --format env or --format tf-var" });
  }
  if (!namePrefix) {
    throw new StemguardError("--format tf-var needs the keyring's name prefix to name the Terraform variable", {
      field: "--name-prefix",
      value: namePrefix,
      fix: "pass --name-prefix with the namePrefix of your StemSigningKeyring / StemKubernetesSigningKeyring",
    });
  }
  return namePrefix;
}
