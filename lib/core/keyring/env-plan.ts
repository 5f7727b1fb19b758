import { forEachPhase, currentState } from "./steps";
import { planFingerprint, planRoleEnvForKeys, type RoleEnvPlan } from "./role-env-plan";
import type { Role, SigningLedger } from "./types";

export * from "./role-env-plan";

/** The signing env plan of `role` in the ledger's current phase. */
export function planRoleEnv(ledger: SigningLedger, role: Role): RoleEnvPlan {
  const { workersVerify, verifyOnlyWorkers } = currentState(ledger);
  return planRoleEnvForKeys(ledger.keys, ledger.algorithm, role, { verifyOnlyWorkers, workersVerify });
}

/**
 * The role env's revision: the latest phase whose step changed this role's
 * env. It changes exactly when the role's content changes (material of a key
 * id never changes), so it drives `secret_string_wo_version`, `data_wo_revision`
 * and the pod-template annotation that rolls workloads.
 */
export function roleEnvRevision(ledger: SigningLedger, role: Role): number {
  // One state at a time (memory stays linear); each phase's plan is compared with the previous one's.
  let revision = 0;
  let previous = "";
  forEachPhase(ledger, ({ keys, workersVerify, verifyOnlyWorkers }, phase) => {
    if (phase === 0) return;
    const fingerprint = planFingerprint(planRoleEnvForKeys(keys, ledger.algorithm, role, { verifyOnlyWorkers, workersVerify }));
    if (fingerprint !== previous) revision = phase;
    previous = fingerprint;
  });
  return revision;
}
