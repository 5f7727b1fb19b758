// The ledgers of every phase of the Redis walks, for the ElastiCache tests.
import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, type RedisLedger } from "../../lib/core/redis/ledger-file";

/** One step of a walk, as `stemguard redis` would take it. */
export type RedisWalkStep =
  | { readonly op: "mode"; readonly mode: "dual" | "clients-tls" | "tls-only" }
  | { readonly op: "client-auth"; readonly clientAuth: "optional" | "yes" }
  | { readonly op: "init" | "stage" | "activate" | "retire"; readonly passwordId: string };

/** The steps of test/core/redis/walk.ts fullWalk() after `init plain`, in order. */
export const FULL_WALK_STEPS: readonly RedisWalkStep[] = [
  { op: "mode", mode: "dual" },
  { op: "init", passwordId: "pw1" },
  { op: "mode", mode: "clients-tls" },
  { op: "mode", mode: "tls-only" },
  { op: "client-auth", clientAuth: "optional" },
  { op: "client-auth", clientAuth: "yes" },
  { op: "stage", passwordId: "pw2" },
  { op: "activate", passwordId: "pw2" },
  { op: "retire", passwordId: "pw1" },
];

/** The full walk on ElastiCache: the same steps without client certificates (ElastiCache has none). */
export const AWS_WALK_STEPS: readonly RedisWalkStep[] = FULL_WALK_STEPS.filter((s) => s.op !== "client-auth");

/** A phase of a walk: a Terraform-identifier name, the step that made it and the ledger after it. */
export interface RedisWalkLedger {
  readonly name: string;
  readonly step: string;
  readonly ledger: RedisLedger;
}

const label = (s: RedisWalkStep) => (s.op === "mode" ? `tls ${s.mode}` : s.op === "client-auth" ? `client-auth ${s.clientAuth}` : `password ${s.op} ${s.passwordId}`);

/** The ledger of every phase: `init plain`, then one per step. */
export function walkLedgers(steps: readonly RedisWalkStep[]): RedisWalkLedger[] {
  let ledger = initRedisLedger("plain");
  const out: RedisWalkLedger[] = [{ name: "p01_init_plain", step: "init plain", ledger }];
  for (const s of steps) {
    ledger = s.op === "mode" || s.op === "client-auth" ? applyRedisTlsStep(ledger, s) : applyRedisPasswordStep(ledger, s.op, s.passwordId);
    out.push({ name: `p${String(out.length + 1).padStart(2, "0")}_${label(s).replace(/[^A-Za-z0-9]+/g, "_")}`, step: label(s), ledger });
  }
  return out;
}
