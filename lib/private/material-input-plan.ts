// Pure TypeScript (no cdktf import): the CLI names the same inputs the constructs declare.
import type { MaterialField } from "../core/keyring/env-plan";

/**
 * One signing key whose material reaches `terraform plan`/`apply` as an
 * ephemeral input variable, on either platform. Holds names only, never material.
 */
export interface MaterialInputPlan {
  /** The ledger key id. */
  readonly keyId: string;
  /** Terraform variable name, e.g. `stem_signing_key_k1`. */
  readonly variableName: string;
  /** The environment variable Terraform reads it from: `TF_VAR_<variableName>`. */
  readonly envVarName: string;
  /**
   * True when Terraform refuses to plan without the value. AWS: only in the
   * phase whose step created the key (its secret holds the material after
   * that). Kubernetes: always (the role Secrets are composed from the inputs).
   */
  readonly required: boolean;
  /**
   * Fields of the key's JSON document (`materialSecretJson`) that this phase
   * reads: `secret` (HMAC), `seed` and `publicKey` (Ed25519).
   */
  readonly fields: readonly MaterialField[];
}
