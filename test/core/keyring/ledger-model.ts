import fc from "fast-check";
import type { LedgerKey, SigningLedger, StepOp } from "../../../lib/core/keyring/types";

/** What the worker-mode steps depend on besides the keys. */
export type WorkerModeContext = Pick<SigningLedger, "algorithm" | "verifyOnlyWorkers">;

/**
 * An independent reference of the rotation rules (docs/architecture.md, "The rotation model"), written
 * separately from lib/core so the property tests compare two implementations.
 */
export function isLegal(keys: readonly LedgerKey[], op: StepOp, id: string, ctx: WorkerModeContext = { algorithm: "hmac-sha256" }): boolean {
  const key = keys.find((k) => k.id === id);
  const has = (state: LedgerKey["state"]) => keys.some((k) => k.state === state);
  if (!/^[A-Za-z0-9._-]+$/.test(id) || /^\.+$/.test(id) || id.length > 64) return false;
  // Two ids of one ledger may not collapse to the same Terraform variable or secret name (k.1, k-1, k_1).
  const collapse = (x: string) => x.replace(/[^A-Za-z0-9_]/g, "_");
  if (op === "stage" && keys.some((k) => k.id !== id && collapse(k.id) === collapse(id))) return false;
  switch (op) {
    case "init":
      return keys.length === 0;
    case "stage":
      return keys.length > 0 && !key && !has("staged");
    case "activate":
      return key?.state === "staged" && !has("retiring");
    case "retire":
      return key?.state === "retiring" || key?.state === "staged";
    case "enforce":
      return false; // the walks use ledgers whose workers verify from init on
    case "verify-only-workers":
    case "sign-workers":
      return ctx.algorithm === "ed25519" && key?.state === "active" && Boolean(ctx.verifyOnlyWorkers) === (op === "sign-workers");
  }
}

/** The legal steps from a set of keys, with `fresh` as the id a stage would use. */
export function legalMoves(keys: readonly LedgerKey[], fresh: string, ctx?: WorkerModeContext): { op: StepOp; id: string }[] {
  const moves: { op: StepOp; id: string }[] = [];
  if (isLegal(keys, "stage", fresh)) moves.push({ op: "stage", id: fresh });
  for (const k of keys) {
    for (const op of ["activate", "retire", "verify-only-workers", "sign-workers"] as const) {
      if (isLegal(keys, op, k.id, ctx)) moves.push({ op, id: k.id });
    }
  }
  return moves;
}

/** Choices that drive a random walk over legal steps (each number picks one move). */
export const walkArb = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 14 });
