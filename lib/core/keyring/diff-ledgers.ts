import { StemguardError } from "../errors";
import { planFingerprint, planRoleEnvForKeys } from "./env-plan";
import { applyStepToState, currentState } from "./steps";
import { ROLES, type LedgerStep, type Role, type SigningLedger } from "./types";

/** What changed between two ledgers (base branch vs pull request). */
export type LedgerDiff =
  | { readonly kind: "unchanged"; readonly phase: number }
  | {
      readonly kind: "step";
      /** The one step head adds to base. */
      readonly step: LedgerStep;
      /** Roles whose Stem env changes (their workloads roll). */
      readonly rolls: readonly Role[];
      /** One line for a review comment. */
      readonly summary: string;
    }
  | { readonly kind: "illegal"; readonly reason: string };

const STEP_MEANING: Record<LedgerStep["op"], (id: string) => string> = {
  init: (id) => `create the keyring with "${id}" active`,
  stage: (id) => `stage "${id}": every role trusts it, nothing signs with it yet`,
  activate: (id) => `activate "${id}": every signer switches to it; the previous key is retiring (drain before retiring it)`,
  retire: (id) => `retire "${id}": removed from every trust list`,
  enforce: () => "enforce: workers start verifying signatures; unsigned messages still queued are dead-lettered from now on",
  "verify-only-workers": () =>
    "verify-only-workers: workers keep the public keys and lose the signing seed, so from this apply on Stem fails to re-sign retries and rate-limit requeues (contract §1.4)",
  "sign-workers": () => "sign-workers: workers get the active key's seed again, so retries and requeues are re-signed",
};

/**
 * Whether `head` is exactly one legal step after `base` (or the same phase).
 * Both ledgers must already be valid (see parseLedger).
 */
export function diffLedgers(base: SigningLedger, head: SigningLedger): LedgerDiff {
  if (base.algorithm !== head.algorithm) {
    return {
      kind: "illegal",
      reason: `the algorithm changes from ${base.algorithm} to ${head.algorithm}; Stem has no overlap between algorithms, so this is a separate multi-phase procedure, never one diff`,
    };
  }
  const sameStep = (a: LedgerStep, b: LedgerStep) => a.phase === b.phase && a.op === b.op && a.keyId === b.keyId;
  const common = Math.min(base.history.length, head.history.length);
  for (let i = 0; i < common; i++) {
    if (!sameStep(base.history[i], head.history[i])) {
      return {
        kind: "illegal",
        reason: `history differs at phase ${i + 1} (${describe(base.history[i])} on base, ${describe(head.history[i])} here); a pull request may only append one step`,
      };
    }
  }
  if (head.phase === base.phase) {
    // Same history, so the keys match (parseLedger); a flag edited by hand changes what workers get without a phase.
    if (Boolean(base.verifyOnlyWorkers) !== Boolean(head.verifyOnlyWorkers)) {
      return { kind: "illegal", reason: "verifyOnlyWorkers changes without a step; use 'stemguard rotate workers --sign|--verify-only', which records the change as a phase" };
    }
    if (Boolean(base.producersFirst) !== Boolean(head.producersFirst)) {
      return { kind: "illegal", reason: "producersFirst changes after init; it is fixed when the ledger is created (workers start verifying only with 'stemguard rotate enforce')" };
    }
    return { kind: "unchanged", phase: head.phase };
  }
  if (head.phase < base.phase) {
    return { kind: "illegal", reason: `the ledger goes back from phase ${base.phase} to ${head.phase}; rotations only move forward (stage a new key instead)` };
  }
  if (head.phase > base.phase + 1) {
    const steps = head.history.slice(base.phase).map(describe).join(", then ");
    return { kind: "illegal", reason: `${head.phase - base.phase} steps in one pull request (${steps}); split it: one step per pull request, one apply per phase` };
  }
  const step = head.history[head.history.length - 1];
  if (Boolean(base.producersFirst) !== Boolean(head.producersFirst) && base.phase > 0) {
    return { kind: "illegal", reason: "producersFirst changes after init; it is fixed when the ledger is created" };
  }
  const baseState = currentState(base);
  let headState;
  try {
    headState = applyStepToState(baseState, base.algorithm, step.op, step.keyId, head);
  } catch (err) {
    return { kind: "illegal", reason: err instanceof StemguardError ? err.message : String(err) };
  }
  if (headState.verifyOnlyWorkers !== Boolean(head.verifyOnlyWorkers)) {
    return { kind: "illegal", reason: `verifyOnlyWorkers is ${Boolean(head.verifyOnlyWorkers)} but the step "${describe(step)}" leaves it ${headState.verifyOnlyWorkers}` };
  }
  const plan = (state: typeof baseState, role: (typeof ROLES)[number]) =>
    planFingerprint(planRoleEnvForKeys(state.keys, head.algorithm, role, { verifyOnlyWorkers: state.verifyOnlyWorkers, workersVerify: state.workersVerify }));
  const rolls = ROLES.filter((role) => base.keys.length === 0 || plan(baseState, role) !== plan(headState, role));
  const caution =
    step.op === "init" && !head.producersFirst
      ? ' Workers verify from this phase on: right for a new fleet; a fleet with unsigned messages in flight needs "rotate init --producers-first" (producers sign first, workers enforce after drain).'
      : step.op === "init"
        ? " Producers and beat sign; workers do not verify yet. Drain unsigned messages, then 'stemguard rotate enforce'."
        : "";
  return {
    kind: "step",
    step,
    rolls,
    summary: `phase ${base.phase} -> ${head.phase}: ${STEP_MEANING[step.op](step.keyId)}. Rolls: ${rolls.join(", ") || "nothing"}.${caution}`,
  };
}

function describe(step: LedgerStep): string {
  return `${step.op} ${step.keyId}`;
}
