import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, type RedisLedger } from "../../../lib/core/redis/ledger-file";

/** One phase of the full walk: the step that made it and the ledger after it. */
export interface WalkStep {
  readonly step: string;
  readonly ledger: RedisLedger;
}

/** The full walk of the Redis issue, every ledger kept: TLS on, mTLS, then a password rotation. */
export function fullWalkSteps(): WalkStep[] {
  let l = initRedisLedger("plain");
  const out: WalkStep[] = [{ step: "init plain", ledger: l }];
  const push = (step: string, next: RedisLedger) => out.push({ step, ledger: (l = next) });
  push("tls dual", applyRedisTlsStep(l, { op: "mode", mode: "dual" }));
  push("password init pw1", applyRedisPasswordStep(l, "init", "pw1"));
  push("tls clients-tls", applyRedisTlsStep(l, { op: "mode", mode: "clients-tls" }));
  push("tls tls-only", applyRedisTlsStep(l, { op: "mode", mode: "tls-only" }));
  push("client-auth optional", applyRedisTlsStep(l, { op: "client-auth", clientAuth: "optional" }));
  push("client-auth yes", applyRedisTlsStep(l, { op: "client-auth", clientAuth: "yes" }));
  push("password stage pw2", applyRedisPasswordStep(l, "stage", "pw2"));
  push("password activate pw2", applyRedisPasswordStep(l, "activate", "pw2"));
  push("password retire pw1", applyRedisPasswordStep(l, "retire", "pw1"));
  return out;
}

/** The ledger at the end of the full walk. */
export function fullWalk(): RedisLedger {
  return fullWalkSteps().at(-1)!.ledger;
}
