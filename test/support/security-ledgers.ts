// Ledger directories for the StemSecurity tests: the three ledger files a deployment keeps.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { serializeLedger } from "../../lib/core/keyring/ledger-file";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import type { SigningLedger } from "../../lib/core/keyring/types";
import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, serializeRedisLedger, type RedisLedger } from "../../lib/core/redis/ledger-file";
import { initTlsLedger } from "../../lib/core/tls/ca-ledger";
import { serializeTlsLedger } from "../../lib/core/tls/ca-ledger-file";

const fp = (byte: string) => Array.from({ length: 32 }, () => byte).join(":");

/** Signing: k1 active, k2 staged (phase 2). */
export const SECURITY_SIGNING = applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2");
/** Redis: dual, password pw1, clients-tls (mutual TLS not asked for, so ElastiCache takes it too). */
export const SECURITY_REDIS = applyRedisTlsStep(applyRedisPasswordStep(applyRedisTlsStep(initRedisLedger("plain"), { op: "mode", mode: "dual" }), "init", "pw1"), { op: "mode", mode: "clients-tls" });
export const SECURITY_TLS = initTlsLedger("ca-2026", fp("AA"), { serverFingerprint256: fp("A1"), clientFingerprint256: fp("A2") });

/** A temp directory holding the three ledgers; `remove()` deletes it. */
export function ledgerDir(ledgers: { signing?: SigningLedger; redis?: RedisLedger } = {}): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-security-"));
  fs.writeFileSync(path.join(dir, "stemguard.rotation.json"), serializeLedger(ledgers.signing ?? SECURITY_SIGNING));
  fs.writeFileSync(path.join(dir, "stemguard.redis.json"), serializeRedisLedger(ledgers.redis ?? SECURITY_REDIS));
  fs.writeFileSync(path.join(dir, "stemguard.tls.json"), serializeTlsLedger(SECURITY_TLS));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
