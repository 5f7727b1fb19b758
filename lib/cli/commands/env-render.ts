import * as path from "node:path";
import type { Command } from "commander";
import { StemguardError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs/atomic-write";
import { DEFAULT_LEDGER_FILE, readLedgerFile } from "../../core/keyring/ledger-file";
import { ledgerAtPhase } from "../../core/keyring/steps";
import { ROLES, type Role } from "../../core/keyring/types";
import { parseRoleFlag } from "../flags";
import type { CliIo } from "../io";

/** Adds `env render` to the `env` command group. */
export function addEnvRenderCommand(env: Command, io: CliIo): void {
  env
    .command("render")
    .description("Print a role's Stem signing env for the ledger's current phase (contains material).")
    .option("--ledger <file>", "ledger file", DEFAULT_LEDGER_FILE)
    .requiredOption("--role <role>", `Stem component: ${ROLES.join(" | ")}`, parseRoleFlag)
    .requiredOption("--material <dir>", "directory of <key-id>.env files written by 'stemguard keys generate --out'")
    .option("--phase <n>", "render an earlier phase of the ledger's history")
    .option("--out <file>", "write to FILE (atomically, mode 0600) instead of stdout")
    .option("--json", "print a JSON object of variables instead of env lines")
    .addHelpText(
      "after",
      `
The output contains secret material: it is printed because that is what this
command is for. Use --out to write a 0600 file for docker --env-file.

Example:
  $ stemguard env render --role worker --material material/
  STEM_SIGNING_ALGORITHM=hmac-sha256
  STEM_SIGNING_KEYS=k1:<base64>,k2:<base64>
  STEM_SIGNING_ACTIVE_KEY=k1`,
    )
    .action((opts: { ledger: string; role: Role; material: string; phase?: string; out?: string; json?: boolean }) => {
      let ledger = readLedgerFile(path.resolve(io.cwd, opts.ledger));
      if (opts.phase !== undefined) {
        if (!/^[0-9]+$/.test(opts.phase)) {
          throw new StemguardError("must be a phase number", { field: "--phase", value: opts.phase, fix: "pass a phase shown by 'stemguard rotate status', e.g. --phase 2" });
        }
        ledger = ledgerAtPhase(ledger, Number(opts.phase));
      }
      const { formatEnvLines, renderRoleEnv } = require("../../core/material/render-env") as typeof import("../../core/material/render-env");
      const env = renderRoleEnv(ledger, opts.role, path.resolve(io.cwd, opts.material));
      const text = opts.json ? `${JSON.stringify(env, null, 2)}\n` : formatEnvLines(env);
      if (!opts.out) {
        io.stdout(text);
        return;
      }
      writeFileAtomic(path.resolve(io.cwd, opts.out), text, { mode: 0o600, field: "--out" });
      io.stderr(`wrote ${opts.out} (mode 0600): ${opts.role} env for phase ${ledger.phase}\n`);
    });
}
