import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_LEDGER_FILE, readLedgerFile } from "../../core/keyring/ledger-file";
import type { KeyMaterial } from "../../core/material/types";
import { CliExit, EXIT } from "../io";
import type { RegisterCommand } from "./index";

export const registerDrill: RegisterCommand = (program, io) => {
  program
    .command("drill")
    .description("Rotation drill: for every phase, sign test envelopes as each role and verify them as the workers of the previous, same and next phase.")
    .option("--ledger <file>", "ledger file", DEFAULT_LEDGER_FILE)
    .option("--material <dir>", "use the real material in DIR (<key-id>.env files); retired keys may be missing")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Exit status: 0 when no message would be dropped, 1 when any would, 64 bad input.
Without --material the drill uses throwaway keys: it checks which ids each
role lists and signs with, which is what a rotation changes.

Example:
  $ stemguard drill --material material/
  drill: 4 phases, 120 sign/verify checks, 0 dropped messages
  drain: messages signed with "k1" in phase 2 are rejected from phase 4 on; let them drain before applying it`,
    )
    .action((opts: { ledger: string; material?: string; json?: boolean }) => {
      // Loaded here, not at the top, so `stemguard --help` does not pay for the crypto modules.
      const { describeDrain, runRotationDrill } = require("../../core/drill/rotation-drill") as typeof import("../../core/drill/rotation-drill");
      const { readKeyMaterial, materialFile } = require("../../core/material/material-dir") as typeof import("../../core/material/material-dir");
      const ledger = readLedgerFile(path.resolve(io.cwd, opts.ledger));
      const materials = new Map<string, KeyMaterial>();
      const throwaway: string[] = [];
      if (opts.material) {
        const dir = path.resolve(io.cwd, opts.material);
        for (const key of ledger.keys) {
          // Retired keys' material may already be destroyed; the drill then uses throwaway bytes for them.
          if (key.state === "retired" && !fs.existsSync(materialFile(dir, key.id))) throwaway.push(key.id);
          else materials.set(key.id, readKeyMaterial(dir, key.id, ledger.algorithm));
        }
      }
      const report = runRotationDrill(ledger, { materials });
      if (opts.json) {
        io.stdout(`${JSON.stringify({ ok: report.failures.length === 0, ...report, throwawayMaterial: opts.material ? throwaway : "all" })}\n`);
      } else {
        const lines = [`drill: ${report.phases} phases, ${report.checks} sign/verify checks, ${report.failures.length} dropped messages`];
        for (const f of report.failures) {
          lines.push(
            f.verifiedAt === undefined
              ? `FAIL phase ${f.signedAt} ${f.signer}: ${f.message}`
              : `FAIL signed in phase ${f.signedAt} by ${f.signer}, verified by phase ${f.verifiedAt} workers (${f.envelope}): ${f.message}`,
          );
        }
        for (const d of report.drains) {
          lines.push(`drain: ${describeDrain(d)}`);
        }
        if (!opts.material) lines.push("material: throwaway keys (pass --material DIR to drill with the real ones)");
        else if (throwaway.length > 0) lines.push(`material: throwaway bytes for retired keys without files: ${throwaway.join(", ")}`);
        io.stdout(`${lines.join("\n")}\n`);
      }
      if (report.failures.length > 0) throw new CliExit(EXIT.FAILED);
    });
};
