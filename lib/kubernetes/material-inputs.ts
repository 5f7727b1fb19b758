// Pure TypeScript (no cdktf import) so the CLI can name the same inputs the construct declares.
import { StemguardError } from "../core/errors";
import { materialVariableName } from "../core/material/tf-var";
import { planRoleEnv, type MaterialField } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";

/**
 * One key whose material must reach `terraform plan`/`apply` as an ephemeral
 * input variable. Holds names only, never material.
 */
export interface MaterialInputPlan {
  /** The ledger key id. */
  readonly keyId: string;
  /** Terraform variable name, e.g. `stem_signing_key_k1`. */
  readonly variableName: string;
  /** The environment variable Terraform reads it from: `TF_VAR_<variableName>`. */
  readonly envVarName: string;
  /**
   * Fields of the per-key JSON document (`materialSecretJson`) that this phase
   * reads: `secret` (HMAC), `publicKey` (Ed25519, every trusted key) and `seed`
   * (Ed25519, the active key only, and only where a role signs).
   */
  readonly fields: readonly MaterialField[];
}

const FIELD_ORDER: readonly MaterialField[] = ["secret", "seed", "publicKey"];

/**
 * The material inputs a keyring needs in the ledger's current phase: one per
 * key that the env of any of `roles` references (staged, active and retiring
 * keys; never retired ones), in ledger order.
 */
export function planMaterialInputs(ledger: SigningLedger, roles: readonly Role[], namePrefix: string): MaterialInputPlan[] {
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
      fields: FIELD_ORDER.filter((f) => used.has(f)),
    });
  }
  return inputs;
}

export { materialVariableName };
