// Pure TypeScript (no cdktf import): the CLI can name what the construct declares.
import { StemguardError } from "../core/errors";
import { materialVariableName } from "../core/material/tf-var";
import type { Role, SigningLedger } from "../core/keyring/types";

/** Characters Secrets Manager accepts in a secret name. */
const SECRET_NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;
/** Secrets Manager's limit minus room for `/keys/<id>`; ids are short in practice. */
const MAX_PREFIX_LENGTH = 400;

/** Refuses a `namePrefix` Secrets Manager would reject or that would nest oddly. */
export function assertSecretNamePrefix(prefix: unknown, field: string): asserts prefix is string {
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH || !SECRET_NAME_CHARS.test(prefix)) {
    throw new StemguardError(`namePrefix must be 1-${MAX_PREFIX_LENGTH} characters of A-Z a-z 0-9 / _ + = . @ -`, {
      field,
      value: prefix,
      fix: 'use a path-like prefix such as "prod/stem-signing"',
    });
  }
  if (prefix.startsWith("/") || prefix.endsWith("/") || prefix.includes("//")) {
    throw new StemguardError("namePrefix must not start or end with '/' or contain '//'", {
      field,
      value: prefix,
      fix: 'write it as "team/app", the keyring adds "/keys/<id>" and "/roles/<role>"',
    });
  }
}

/** `<prefix>/keys/<id>`: the secret holding one key's material document. */
export function keySecretName(prefix: string, keyId: string): string {
  return `${prefix}/keys/${keyId}`;
}

/** `<prefix>/roles/<role>`: the secret holding one role's Stem signing env as a JSON object. */
export function roleSecretName(prefix: string, role: Role): string {
  return `${prefix}/roles/${role}`;
}

/** A key whose material document reaches Terraform as `TF_VAR_<variableName>`. */
export interface AwsMaterialInputPlan {
  readonly keyId: string;
  readonly variableName: string;
  /** `TF_VAR_<variableName>`. */
  readonly envVarName: string;
  /**
   * True in the phase whose step created the key (`init` or `stage`): Terraform
   * then refuses to plan without the value. In later phases the key's secret
   * already holds the material and the input may be left unset.
   */
  readonly required: boolean;
}

/**
 * The material inputs of a keyring in the ledger's current phase: one per
 * non-retired key, in ledger order. Only the key created by the latest step is
 * required; others are optional (their secret versions exist already). A new
 * environment that starts at a later phase must still pass every input once.
 */
export function planAwsMaterialInputs(ledger: SigningLedger, prefix: string): AwsMaterialInputPlan[] {
  const last = ledger.history.at(-1);
  const createdNow = last && (last.op === "init" || last.op === "stage") ? last.keyId : undefined;
  const seen = new Map<string, string>();
  return ledger.keys
    .filter((k) => k.state !== "retired")
    .map((k) => {
      const variableName = materialVariableName(prefix, k.id);
      const clash = seen.get(variableName);
      if (clash !== undefined) {
        throw new StemguardError(`key ids "${clash}" and "${k.id}" map to the same Terraform variable ${variableName} ('.' and '-' become '_')`, {
          field: `keys.${k.id}`,
          value: k.id,
          fix: `stage keys with ids that differ in more than '.', '-' and '_'; "${k.id}" cannot be deployed next to "${clash}"`,
        });
      }
      seen.set(variableName, k.id);
      return { keyId: k.id, variableName, envVarName: `TF_VAR_${variableName}`, required: k.id === createdNow };
    });
}

export { materialVariableName };
