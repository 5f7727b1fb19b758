import { StemguardError } from "../errors";
import { applyTlsStep, describeTlsStep, stripPhase, trustBundleCaIds } from "./ca-ledger";
import type { TlsCaLedger, TlsLedgerStep } from "./ca-ledger-types";

/** What changed between two CA ledgers (base branch vs pull request). */
export type TlsLedgerDiff =
  | { readonly kind: "unchanged"; readonly phase: number }
  | {
      readonly kind: "step";
      /** The one step head adds to base. */
      readonly step: TlsLedgerStep;
      /** Whether the trust bundle (CA list every component loads) changes. */
      readonly trustBundleChanges: boolean;
      /** Whether servers and clients get new leaf certificates. */
      readonly leavesChange: boolean;
      /** One line for a review comment. */
      readonly summary: string;
    }
  | { readonly kind: "illegal"; readonly reason: string };

/**
 * Whether `head` is exactly one legal step after `base` (or the same phase),
 * with the reason when it is not. Both ledgers must be valid (parseTlsLedger).
 */
export function diffTlsLedgers(base: TlsCaLedger, head: TlsCaLedger): TlsLedgerDiff {
  const common = Math.min(base.history.length, head.history.length);
  for (let i = 0; i < common; i++) {
    if (canonical(base.history[i]) !== canonical(head.history[i])) {
      return {
        kind: "illegal",
        reason: `history differs at phase ${i + 1} (${brief(base.history[i])} on base, ${brief(head.history[i])} here); a pull request may only append one step`,
      };
    }
  }
  if (head.phase === base.phase) return { kind: "unchanged", phase: head.phase };
  if (head.phase < base.phase) {
    return { kind: "illegal", reason: `the ledger goes back from phase ${base.phase} to ${head.phase}; CA rotations only move forward` };
  }
  if (head.phase > base.phase + 1) {
    const steps = head.history.slice(base.phase).map(brief).join(", then ");
    return {
      kind: "illegal",
      reason: `${head.phase - base.phase} steps in one pull request (${steps}); split it: one step per pull request, one apply per phase`,
    };
  }
  const step = head.history[head.history.length - 1];
  let next: TlsCaLedger;
  try {
    next = applyTlsStep(base, stripPhase(step));
  } catch (err) {
    return { kind: "illegal", reason: err instanceof StemguardError ? err.message : String(err) };
  }
  if (JSON.stringify([next.cas, next.leaves]) !== JSON.stringify([head.cas, head.leaves])) {
    return { kind: "illegal", reason: "the CA or leaf list does not match what the recorded step yields; edit the ledger only with stemguard" };
  }
  const trustBundleChanges = trustBundleCaIds(base).join(",") !== trustBundleCaIds(head).join(",");
  const leavesChange = base.leaves.length !== head.leaves.length;
  const rolls = [trustBundleChanges ? "trust bundle" : "", leavesChange ? "server and client certificates" : ""].filter(Boolean).join(" and ");
  return {
    kind: "step",
    step,
    trustBundleChanges,
    leavesChange,
    summary: `phase ${base.phase} -> ${head.phase}: ${describeTlsStep(stripPhase(step))}. Rolls: ${rolls || "nothing"}.`,
  };
}

function canonical(step: TlsLedgerStep): string {
  return JSON.stringify(Object.entries(step).sort(([a], [b]) => a.localeCompare(b)));
}

function brief(step: TlsLedgerStep): string {
  return "caId" in step ? `${step.op} ${step.caId}` : step.op;
}
