// Pure TypeScript (no cdktf import) so the CLI can name the same inputs the construct declares.
import { StemguardError } from "../core/errors";
import { materialVariableName } from "../core/material/tf-var";
import { planRoleEnv, type MaterialField } from "../core/keyring/env-plan";
import { ROLES, type Role, type SigningLedger } from "../core/keyring/types";
import type { MaterialInputPlan } from "../private/material-input-plan";

const FIELD_ORDER: readonly MaterialField[] = ["secret", "seed", "publicKey"];

/**
 * The material inputs a keyring needs in the ledger's current phase: one per
 * key that the env of any of `roles` references (staged, active and retiring
 * keys; never retired ones), in ledger order. Every one is required: the role
 * Secrets are composed from them whenever they are written.
 */
export function planMaterialInputs(ledger: SigningLedger, namePrefix: string, roles: readonly Role[] = ROLES): MaterialInputPlan[] {
  const fields = new Map<string, Set<MaterialField>>();
  for (const role of roles) {
    for (const ref of planRoleEnv(ledger, role).materialRefs) {
      const set = fields.get(ref.keyId) ?? new Set<MaterialField>();
      set.add(ref.field);
      fields.set(ref.keyId, set);
    }
  }
  const byVariable = new Map<string, string>();
  const inputs: MaterialInputPlan[] = [];
  for (const key of ledger.keys) {
    const used = fields.get(key.id);
    if (!used) continue;
    const variableName = materialVariableName(namePrefix, key.id);
    const clash = byVariable.get(variableName);
    if (clash !== undefined) {
      throw new StemguardError(
        `key ids "${clash}" and "${key.id}" map to the same Terraform variable ${variableName} ('.' and '-' become '_')`,
        {
          field: `keys.${key.id}`,
          value: key.id,
          fix: `stage keys with ids that differ in more than '.', '-' and '_'; "${key.id}" cannot be deployed next to "${clash}"`,
        },
      );
    }
    byVariable.set(variableName, key.id);
    inputs.push({
      keyId: key.id,
      variableName,
      envVarName: `TF_VAR_${variableName}`,
      required: true,
      fields: FIELD_ORDER.filter((f) => used.has(f)),
    });
  }
  return inputs;
}

export { materialVariableName, type MaterialInputPlan };
