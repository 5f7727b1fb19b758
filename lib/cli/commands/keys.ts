import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs/atomic-write";
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from "../../core/keyring/types";
import { materialEnvLines } from "../../core/material/encode";
import { generateKeyMaterial } from "../../core/material/generate";
import type { RegisterCommand } from "./index";

export const registerKeys: RegisterCommand = (program, io) => {
  const keys = program.command("keys").description("Generate signing key material.");
  keys
    .command("generate")
    .description("Generate material for one key and print it as Stem env lines (the same lines Stem's own generator prints).")
    .requiredOption("--algorithm <name>", `signing algorithm: ${SIGNING_ALGORITHMS.join(" | ")}`)
    .requiredOption("--id <id>", "key id ([A-Za-z0-9._-]+), as in the ledger")
    .option("--out <file>", "write to FILE (atomically, mode 0600) instead of stdout")
    .option("--force", "overwrite an existing --out file")
    .addHelpText(
      "after",
      `
The output contains secret material. Without --out it goes to stdout, because
printing it is what this command is for; keep it out of logs and shells' history.

Example:
  $ stemguard keys generate --algorithm ed25519 --id k2 --out material/k2.env
  wrote material/k2.env (mode 0600): ed25519 key "k2"`,
    )
    .action((opts: { algorithm: string; id: string; out?: string; force?: boolean }) => {
      if (!SIGNING_ALGORITHMS.includes(opts.algorithm as SigningAlgorithm)) {
        throw new StemguardError(`unsupported algorithm; use ${SIGNING_ALGORITHMS.join(" or ")} (lowercase)`, {
          field: "--algorithm",
          value: opts.algorithm,
          fix: "pass --algorithm hmac-sha256 or --algorithm ed25519",
        });
      }
      const material = generateKeyMaterial(opts.algorithm as SigningAlgorithm, opts.id);
      const text = `${materialEnvLines(material).join("\n")}\n`;
      if (!opts.out) {
        io.stdout(text);
        return;
      }
      const file = path.resolve(io.cwd, opts.out);
      if (!opts.force && fs.existsSync(file)) {
        throw new StemguardError("file exists; refusing to overwrite key material", {
          field: "--out",
          value: opts.out,
          fix: "choose a new file, or pass --force if you really mean to replace this key",
        });
      }
      if (!fs.existsSync(path.dirname(file))) fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, text, { mode: 0o600 });
      io.stderr(`wrote ${opts.out} (mode 0600): ${material.algorithm} key "${material.id}"\n`);
    });
};
