import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, type RedisLedger } from "../../../lib/core/redis/ledger-file";

const mode = (l: RedisLedger, m: "dual" | "clients-tls" | "tls-only") => applyRedisTlsStep(l, { op: "mode", mode: m });
const auth = (l: RedisLedger, v: "optional" | "yes") => applyRedisTlsStep(l, { op: "client-auth", clientAuth: v });

/** The full walk of the Redis issue: TLS on, mTLS, then a password rotation. */
export function fullWalk(): RedisLedger {
  let l = initRedisLedger("plain");
  l = mode(l, "dual");
  l = applyRedisPasswordStep(l, "init", "pw1");
  l = mode(l, "clients-tls");
  l = mode(l, "tls-only");
  l = auth(l, "optional");
  l = auth(l, "yes");
  l = applyRedisPasswordStep(l, "stage", "pw2");
  l = applyRedisPasswordStep(l, "activate", "pw2");
  return applyRedisPasswordStep(l, "retire", "pw1");
}

