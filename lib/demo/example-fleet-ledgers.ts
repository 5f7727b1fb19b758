// The ledgers of the example fleet's environments: one directory per environment
// (`<root>/<env>/stemguard.rotation.json`, `stemguard.redis.json`, `stemguard.tls.json`),
// as a repository that promotes each rotation step dev -> staging -> prod keeps them.
// The environments sit at consecutive phases of one signing rotation: prod one step
// behind staging, staging one behind dev. No cdktf here.
import * as fs from "node:fs";
import * as path from "node:path";
import { makeOutputDirectory, writeFileAtomic } from "../core/fs/atomic-write";
import { DEFAULT_LEDGER_FILE, serializeLedger } from "../core/keyring/ledger-file";
import { applyStep, initLedger } from "../core/keyring/steps";
import type { SigningAlgorithm, SigningLedger, StepOp } from "../core/keyring/types";
import { applyRedisPasswordStep, applyRedisTlsStep, DEFAULT_REDIS_LEDGER_FILE, initRedisLedger, serializeRedisLedger, type RedisLedger } from "../core/redis/ledger-file";
import { initTlsLedger } from "../core/tls/ca-ledger";
import { DEFAULT_TLS_LEDGER_FILE } from "../private/security-parts";
import { serializeTlsLedger } from "../core/tls/ca-ledger-file";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";

/** The example fleet's environments, in promotion order: a step reaches staging after dev, prod after staging. */
export const EXAMPLE_FLEET_ENVIRONMENTS = ["dev", "staging", "prod"] as const;

/** The three ledgers of one environment. */
export interface ExampleFleetLedgers {
  readonly signing: SigningLedger;
  readonly redis: RedisLedger;
  /** The CA of the Kubernetes Redis (the AWS stacks use ElastiCache, whose certificate is Amazon's). */
  readonly tls: TlsCaLedger;
}

/** The example signing rotation after `init k1`: stage k2, activate k2, retire k1. */
const ROTATION: readonly (readonly [StepOp, string])[] = [
  ["stage", "k2"],
  ["activate", "k2"],
  ["retire", "k1"],
];

/** The signing ledger after `steps` steps of the example rotation (0: `init k1` only). */
export function exampleRotationAt(algorithm: SigningAlgorithm, steps: number): SigningLedger {
  if (!Number.isInteger(steps) || steps < 0 || steps > ROTATION.length) throw new RangeError(`steps must be 0 to ${ROTATION.length}, got ${steps}`);
  return ROTATION.slice(0, steps).reduce((ledger, [op, id]) => applyStep(ledger, op, id), initLedger(algorithm, "k1"));
}

/** Redis after switching to rediss:// with a password: plain -> dual -> pw1 -> clients-tls -> tls-only (what `stemguard demo --redis` walks). */
function exampleRedisLedger(): RedisLedger {
  let ledger = applyRedisTlsStep(initRedisLedger("plain"), { op: "mode", mode: "dual" });
  ledger = applyRedisPasswordStep(ledger, "init", "pw1");
  ledger = applyRedisTlsStep(ledger, { op: "mode", mode: "clients-tls" });
  return applyRedisTlsStep(ledger, { op: "mode", mode: "tls-only" });
}

/** An example fingerprint: the ledger records SHA-256 fingerprints only; this CA exists nowhere (`stemguard tls ca init` records a real one). */
const exampleFingerprint = (byte: string) => Array.from({ length: 32 }, () => byte).join(":");

/**
 * Each environment's ledgers: dev at `activate k2` (phase 3), staging at
 * `stage k2` (phase 2), prod at `init k1` (phase 1); Redis (rediss:// only,
 * password pw1) and the Kubernetes Redis's CA the same everywhere.
 */
export function exampleFleetLedgers(algorithm: SigningAlgorithm = "hmac-sha256"): Record<(typeof EXAMPLE_FLEET_ENVIRONMENTS)[number], ExampleFleetLedgers> {
  const redis = exampleRedisLedger();
  const tls = initTlsLedger("ca-2026", exampleFingerprint("AA"), { serverFingerprint256: exampleFingerprint("A1"), clientFingerprint256: exampleFingerprint("A2") });
  return {
    dev: { signing: exampleRotationAt(algorithm, 2), redis, tls },
    staging: { signing: exampleRotationAt(algorithm, 1), redis, tls },
    prod: { signing: exampleRotationAt(algorithm, 0), redis, tls },
  };
}

/**
 * Writes one environment's ledgers into `dir` (created when missing) as `stemguard rotate`,
 * `redis` and `tls ca` would. With `keepExisting`, a ledger file already there is left as it
 * is (the environment moved on with `stemguard rotate ...`); returns the files written.
 */
export function writeFleetLedgers(dir: string, ledgers: ExampleFleetLedgers, options: { readonly keepExisting?: boolean } = {}): string[] {
  makeOutputDirectory(dir, "ledger directory");
  const files: [string, string][] = [
    [DEFAULT_LEDGER_FILE, serializeLedger(ledgers.signing)],
    [DEFAULT_REDIS_LEDGER_FILE, serializeRedisLedger(ledgers.redis)],
    [DEFAULT_TLS_LEDGER_FILE, serializeTlsLedger(ledgers.tls)],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    if (options.keepExisting && fs.existsSync(file)) continue;
    writeFileAtomic(file, text);
    written.push(file);
  }
  return written;
}
