import * as path from "node:path";
import type { Command } from "commander";
import { StemguardError } from "../../core/errors";
import { writeFileAtomic } from "../../core/fs/atomic-write";
import { DEFAULT_LEDGER_FILE, readLedgerFile } from "../../core/keyring/ledger-file";
import { ledgerAtPhase } from "../../core/keyring/steps";
import { ROLES, type Role } from "../../core/keyring/types";
import { parsePortFlag, parseRoleFlag } from "../flags";
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
    .option("--redis-ledger <file>", "also render the role's Redis URLs and STEM_TLS_* from this Redis ledger (current phase; passwords from --material/<id>.password)")
    .option("--redis-host <host>", "Redis host the role connects to (with --redis-ledger)")
    .option("--redis-port <n>", "plain port (with --redis-ledger)", "6379")
    .option("--redis-tls-port <n>", "TLS port (with --redis-ledger; ElastiCache: the same as --redis-port)", "6380")
    .option("--redis-tls-dir <dir>", "ca.crt, client.crt and client.key as the role sees them (omit for the platform trust store, e.g. ElastiCache)")
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
    .action((opts: { ledger: string; role: Role; material: string; phase?: string; out?: string; json?: boolean; redisLedger?: string; redisHost?: string; redisPort: string; redisTlsPort: string; redisTlsDir?: string }) => {
      let ledger = readLedgerFile(path.resolve(io.cwd, opts.ledger));
      if (opts.phase !== undefined) {
        if (!/^[0-9]+$/.test(opts.phase)) {
          throw new StemguardError("must be a phase number", { field: "--phase", value: opts.phase, fix: "pass a phase shown by 'stemguard rotate status', e.g. --phase 2" });
        }
        ledger = ledgerAtPhase(ledger, Number(opts.phase));
      }
      const { formatEnvLines, renderRoleEnv } = require("../../core/material/render-env") as typeof import("../../core/material/render-env");
      const env = { ...renderRoleEnv(ledger, opts.role, path.resolve(io.cwd, opts.material)), ...redisEnv(io, opts) };
      const text = opts.json ? `${JSON.stringify(env, null, 2)}\n` : formatEnvLines(env);
      if (!opts.out) {
        io.stdout(text);
        return;
      }
      writeFileAtomic(path.resolve(io.cwd, opts.out), text, { mode: 0o600, field: "--out" });
      io.stderr(`wrote ${opts.out} (mode 0600): ${opts.role} env for phase ${ledger.phase}\n`);
    });
}


/** The role's Redis env when --redis-ledger is given: one artifact with the signing env. */
function redisEnv(io: CliIo, opts: { material: string; redisLedger?: string; redisHost?: string; redisPort: string; redisTlsPort: string; redisTlsDir?: string }): Record<string, string> {
  if (opts.redisLedger === undefined) {
    if (opts.redisHost !== undefined || opts.redisTlsDir !== undefined) throw new StemguardError("Redis options need --redis-ledger", { field: "--redis-host", fix: "pass --redis-ledger stemguard.redis.json" });
    return {};
  }
  if (!opts.redisHost) throw new StemguardError("--redis-ledger needs the host the role connects to", { field: "--redis-host", fix: "e.g. --redis-host stem-redis.stem.svc.cluster.local" });
  const { readRedisLedgerFile } = require("../../core/redis/ledger-file") as typeof import("../../core/redis/ledger-file");
  const { renderRoleRedisEnv } = require("../../core/redis/render-role-env") as typeof import("../../core/redis/render-role-env");
  const ledger = readRedisLedgerFile(path.resolve(io.cwd, opts.redisLedger), { field: "--redis-ledger", missingFix: "create it with 'stemguard redis init --mode plain'" });
  const dir = opts.redisTlsDir === undefined ? undefined : path.resolve(io.cwd, opts.redisTlsDir);
  return renderRoleRedisEnv(
    ledger,
    {
      host: opts.redisHost,
      port: parsePortFlag(opts.redisPort, "--redis-port"),
      tlsPort: parsePortFlag(opts.redisTlsPort, "--redis-tls-port"),
      tlsFiles: dir ? { ca: path.join(dir, "ca.crt"), clientCert: path.join(dir, "client.crt"), clientKey: path.join(dir, "client.key") } : undefined,
    },
    path.resolve(io.cwd, opts.material),
  );
}
