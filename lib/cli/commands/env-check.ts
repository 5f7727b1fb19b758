import * as path from "node:path";
import { Command, Option } from "commander";
import { StemguardError } from "../../core/errors";
import { redactId } from "../../core/stem-env/parse-signing-env";
import { ROLES, type Role } from "../../core/keyring/types";
import type { Finding } from "../../core/stem-env/finding";
import type { StemSigningConfig } from "../../core/stem-env/signing-config";
import { CliExit, EXIT, type CliIo } from "../io";
import type { RegisterCommand } from "./index";

/** Creates the `env` command group (the lead adds `env render` to it). */
export function createEnvGroup(program: Command): Command {
  return program.command("env").description("Stem env files: check them against Stem's parser and stemguard's rules.");
}

/** `stemguard env ...`: the group with its `check` subcommand. */
export const registerEnv: RegisterCommand = (program, io) => {
  addEnvCheckCommand(createEnvGroup(program), io);
};

interface CheckOptions {
  readonly role?: Role;
  readonly allowVerifyOnlyWorker?: boolean;
  readonly json?: boolean;
}

/** Adds `check FILE [--role] [--allow-verify-only-worker] [--json]` to `envGroup`. */
export function addEnvCheckCommand(envGroup: Command, io: CliIo): Command {
  return envGroup
    .command("check")
    .description(
      "Load an env file exactly as Stem's StemConfig.fromEnvironment would, then apply stemguard's stricter rules. " +
        "Exits 0 when Stem accepts it and there is no error (warnings are printed), 64 otherwise. Never prints key material.",
    )
    .argument("<file>", "env file: KEY=VALUE lines, as docker --env-file reads them")
    .addOption(new Option("--role <role>", "the component this env is for; role rules become errors").choices([...ROLES]))
    .option("--allow-verify-only-worker", "accept an Ed25519 worker without private keys (it cannot re-sign retries)")
    .option("--json", "print one JSON object on stdout")
    .addHelpText(
      "after",
      "\nExamples:\n  $ stemguard env check deploy/worker.env --role worker\n  $ stemguard env check .env --json\n" +
        "\nOn failure stderr starts with Stem's own error, as `stem health` prints it:\n" +
        '  Failed to load StemConfig: Bad state: Active signing key "k2" not present in STEM_SIGNING_KEYS.\n',
    )
    .action(async (file: string, options: CheckOptions) => {
      // Loaded here so `stemguard --help` does not load the Ed25519 code.
      const { readEnvFile } = (require("../../core/stem-env/env-file") as typeof import("../../core/stem-env/env-file"));
      const { inspectSigningEnv, stemFailureLine } = (require("../../core/stem-env/strict-check") as typeof import("../../core/stem-env/strict-check"));
      let env;
      try {
        env = readEnvFile(path.resolve(io.cwd, file));
      } catch (err) {
        if (!(err instanceof StemguardError)) throw err;
        const found: Finding = { severity: "error", field: err.field, message: problemOf(err), fix: err.fix, source: "stemguard" };
        if (options.json) {
          io.stdout(`${JSON.stringify({ file, role: options.role ?? null, ok: false, stem: null, findings: [found] })}\n`);
        } else {
          io.stderr(`stemguard: ${err.message}\n`);
        }
        throw new CliExit(EXIT.USAGE);
      }
      const report = inspectSigningEnv(env, { role: options.role, allowVerifyOnlyWorker: options.allowVerifyOnlyWorker });
      const stemLine = report.stem.ok ? undefined : stemFailureLine(report.stem.error);
      if (options.json) {
        const stem = report.stem.ok
          ? { ok: true, ...describeConfig(report.stem.config) }
          : { ok: false, error: stemLine, kind: report.stem.error.kind };
        io.stdout(`${JSON.stringify({ file, role: options.role ?? null, ok: report.ok, stem, findings: report.findings })}\n`);
      } else {
        const out: string[] = [];
        const stemFinding = report.findings.find((f) => f.source === "stem");
        if (stemLine) out.push(stemLine, ...(stemFinding ? [`  fix: ${stemFinding.fix}`] : []));
        for (const f of report.findings) {
          if (f.source !== "stem") out.push(`${f.severity}: ${f.field}: ${f.message}`, `  fix: ${f.fix}`);
        }
        const errors = report.findings.filter((f) => f.severity === "error").length;
        const warnings = report.findings.length - errors;
        if (report.ok && report.stem.ok) {
          if (out.length > 0) io.stderr(`${out.join("\n")}\n`);
          io.stdout(`ok: ${file}: Stem loads it (${summary(report.stem.config)}); ${warnings} warning${warnings === 1 ? "" : "s"}\n`);
        } else {
          out.push(`stemguard: ${file}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}; Stem ${report.stem.ok ? "loads it" : "refuses it"}`);
          io.stderr(`${out.join("\n")}\n`);
        }
      }
      if (!report.ok) throw new CliExit(EXIT.USAGE);
    });
}

/** StemguardError's message is `<field>: <problem>. Fix: <fix>`; findings keep the parts apart. */
function problemOf(err: StemguardError): string {
  const prefix = `${err.field}: `;
  const suffix = `. Fix: ${err.fix}`;
  let text = err.message;
  if (text.startsWith(prefix)) text = text.slice(prefix.length);
  if (text.endsWith(suffix)) text = text.slice(0, -suffix.length);
  return text;
}

/** The loaded config without material: ids and flags only. */
function describeConfig(config: StemSigningConfig) {
  return {
    algorithm: config.algorithm,
    isEnabled: config.isEnabled,
    canSign: config.canSign,
    activeKeyId: config.activeKeyId === undefined ? null : redactId(config.activeKeyId),
    keyIds: [...config.keys.keys()].map(redactId),
    publicKeyIds: [...config.publicKeys.keys()].map(redactId),
    privateKeyIds: [...config.privateKeys.keys()].map(redactId),
  };
}

function summary(config: StemSigningConfig): string {
  if (!config.isEnabled) return "signing disabled";
  const trusted = config.algorithm === "ed25519" ? config.publicKeys : config.keys;
  return [
    config.algorithm,
    `trusts ${[...trusted.keys()].map(redactId).join(", ")}`,
    config.canSign ? `signs with ${redactId(config.activeKeyId ?? "")}` : "verify-only",
  ].join("; ");
}
