import { materialFieldBase64 } from "./encode";
import { readKeyMaterial } from "./material-dir";
import type { KeyMaterial } from "./types";
import { planRoleEnv, resolveRoleEnv, type RoleEnvPlan } from "../keyring/env-plan";
import type { Role, SigningLedger } from "../keyring/types";

/** Fills a role's env plan with material; every referenced key must be in `materials`. */
export function renderRoleEnvWithMaterial(plan: RoleEnvPlan, materials: ReadonlyMap<string, KeyMaterial>): Record<string, string> {
  return resolveRoleEnv(plan, (ref) => {
    const material = materials.get(ref.keyId);
    if (!material) throw new Error(`internal: material for "${ref.keyId}" was not loaded`);
    return materialFieldBase64(material, ref.field);
  });
}

/** Loads the material a plan references from a material directory (`<dir>/<id>.env`). */
export function loadPlanMaterial(plan: RoleEnvPlan, dir: string): Map<string, KeyMaterial> {
  const materials = new Map<string, KeyMaterial>();
  for (const { keyId } of plan.materialRefs) {
    if (!materials.has(keyId)) materials.set(keyId, readKeyMaterial(dir, keyId, plan.algorithm));
  }
  return materials;
}

/** The role's Stem env for the ledger's current phase, with material from `dir`. */
export function renderRoleEnv(ledger: SigningLedger, role: Role, dir: string): Record<string, string> {
  const plan = planRoleEnv(ledger, role);
  return renderRoleEnvWithMaterial(plan, loadPlanMaterial(plan, dir));
}

/** Env lines (`NAME=value\n`), the format Stem's examples and `docker --env-file` read. */
export function formatEnvLines(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join("");
}
