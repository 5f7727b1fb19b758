// Pure TypeScript (no cdktf import): the CLI can name what the construct declares.
import { StemguardError } from "../core/errors";
import { materialVariableName } from "../core/material/tf-var";
import type { Role, SigningLedger } from "../core/keyring/types";
import type { MaterialInputPlan } from "../private/material-input-plan";
import { MATERIAL_DOCUMENT_FIELDS } from "../private/material-rules";

/** Characters Secrets Manager accepts in a secret name. */
const SECRET_NAME_CHARS = /^[A-Za-z0-9/_+=.@-]+$/;
/** Secrets Manager's limit minus room for `/keys/<id>`; ids are short in practice. */
const MAX_PREFIX_LENGTH = 400;
/** Secrets Manager's limit on a secret name. */
const MAX_SECRET_NAME_LENGTH = 512;

/** Refuses a `namePrefix` Secrets Manager would reject or that would nest oddly. */
export function assertSecretNamePrefix(prefix: unknown, field: string, namesVariables = true): asserts prefix is string {
  if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > MAX_PREFIX_LENGTH || !SECRET_NAME_CHARS.test(prefix)) {
    throw new StemguardError(`namePrefix must be 1-${MAX_PREFIX_LENGTH} characters of A-Z a-z 0-9 / _ + = . @ -`, {
      field,
      value: prefix,
      fix: 'use a path-like prefix such as "prod/stem-signing"',
    });
  }
  if (namesVariables && !/^[A-Za-z]/.test(prefix)) {
    // Checked here, not when the variable is declared: "2024/stem" is a fine secret name but "2024_stem_key_k1" is no Terraform identifier.
    throw new StemguardError("namePrefix must start with a letter: it also names the Terraform input variables (<prefix_with_underscores>_...), and those cannot start with a digit or symbol", {
      field,
      value: prefix,
      fix: `put a letter first, e.g. "stem-${prefix.replace(/^[^A-Za-z0-9]+/, "")}"`,
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

/**
 * The material inputs of a keyring in the ledger's current phase: one per
 * non-retired key, in ledger order, each for the whole document (the key's
 * secret stores it). Only the key created by the latest step (`init` or
 * `stage`) is required; others are optional because their secret versions
 * exist already. A new environment that starts at a later phase must still
 * pass every input once.
 */
export function planMaterialInputs(ledger: SigningLedger, namePrefix: string): MaterialInputPlan[] {
  const last = ledger.history.at(-1);
  const createdNow = last && (last.op === "init" || last.op === "stage") ? last.keyId : undefined;
  const seen = new Map<string, string>();
  return ledger.keys
    .filter((k) => k.state !== "retired")
    .map((k) => {
      const variableName = materialVariableName(namePrefix, k.id);
      const clash = seen.get(variableName);
      if (clash !== undefined) {
        throw new StemguardError(`key ids "${clash}" and "${k.id}" map to the same Terraform variable ${variableName} ('.' and '-' become '_')`, {
          field: `keys.${k.id}`,
          value: k.id,
          fix: `stage keys with ids that differ in more than '.', '-' and '_'; "${k.id}" cannot be deployed next to "${clash}"`,
        });
      }
      seen.set(variableName, k.id);
      assertSecretNameLength(keySecretName(namePrefix, k.id), k.id);
      return { keyId: k.id, variableName, envVarName: `TF_VAR_${variableName}`, required: k.id === createdNow, fields: MATERIAL_DOCUMENT_FIELDS[ledger.algorithm] };
    });
}

/** Secrets Manager refuses names over 512 characters; a long prefix plus a long key id can get there. */
function assertSecretNameLength(name: string, keyId: string): void {
  if (name.length <= MAX_SECRET_NAME_LENGTH) return;
  throw new StemguardError(`secret name ${name.slice(0, 60)}... would be ${name.length} characters; Secrets Manager allows ${MAX_SECRET_NAME_LENGTH}`, {
    field: `keys.${keyId}`,
    value: keyId,
    fix: "use a shorter namePrefix or shorter key ids",
  });
}

export type { MaterialInputPlan };
export { materialVariableName };
