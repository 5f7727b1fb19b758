import { Fn, Op, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { SigningAlgorithm } from "../core/keyring/types";
import { ephemeralVariable } from "../private/ephemeral";
import type { AwsMaterialInputPlan } from "./names";

/*
 * Canonical standard padded base64 as RE2 patterns for Terraform's regex().
 * The character before the padding must carry zero trailing bits: Stem's
 * decoder refuses anything else (contract §1.2).
 */
const B64 = "[A-Za-z0-9+/]";
/** Exactly 32 bytes: Ed25519 seeds and public keys. */
const BASE64_32_BYTES = `^${B64}{42}[AEIMQUYcgkosw048]=$`;
/** At least 32 bytes (31 bytes also encode to 44 characters, ending in "=="). */
const BASE64_AT_LEAST_32_BYTES =
  `^(${B64}{4}){10}(${B64}{4}|${B64}{2}[AEIMQUYcgkosw048]=)$` +
  `|^(${B64}{4}){11,}(${B64}[AQgw]==|${B64}{2}[AEIMQUYcgkosw048]=)?$`;

/** The fields of `materialSecretJson` per algorithm, with what each must be. */
const DOCUMENT_FIELDS: Record<SigningAlgorithm, readonly { field: string; pattern: string; text: string }[]> = {
  "hmac-sha256": [{ field: "secret", pattern: BASE64_AT_LEAST_32_BYTES, text: "standard padded base64 of at least 32 bytes" }],
  ed25519: [
    { field: "seed", pattern: BASE64_32_BYTES, text: "standard padded base64 of the 32-byte Ed25519 seed" },
    { field: "publicKey", pattern: BASE64_32_BYTES, text: "standard padded base64 of the 32-byte Ed25519 public key" },
  ],
};

/** The JSON shape of a key's material document, for descriptions and docs. */
export function materialDocumentShape(algorithm: SigningAlgorithm): string {
  return algorithm === "hmac-sha256" ? '{"secret":"<base64>"}' : '{"seed":"<base64>","publicKey":"<base64>"}';
}

/**
 * The ephemeral input for one key's material document. Required (no default)
 * in the phase that creates the key; otherwise it defaults to "" (not null:
 * the provider demands `secret_string_wo` whenever `secret_string_wo_version`
 * is set, and an empty string is never written). Validation rules check the
 * document's shape without echoing it.
 */
export function awsMaterialVariable(scope: Construct, id: string, plan: AwsMaterialInputPlan, algorithm: SigningAlgorithm): TerraformVariable {
  const variable = ephemeralVariable(scope, id, {
    name: plan.variableName,
    description:
      `Material of Stem signing key "${plan.keyId}" (${algorithm}) as JSON ${materialDocumentShape(algorithm)}, ` +
      `as printed by 'stemguard keys generate --format tf-var'. ` +
      (plan.required
        ? "Required in this phase: it creates the key's secret."
        : "Needed only where the key's secret does not exist yet (a new environment); leave unset otherwise.") +
      " Ephemeral: kept out of plan files and state.",
  });
  if (!plan.required) {
    variable.addOverride("default", "");
    variable.addOverride("nullable", false);
  }
  for (const rule of DOCUMENT_FIELDS[algorithm]) {
    const check = Fn.can(Fn.regex(rule.pattern, Fn.lookup(Fn.jsondecode(variable.stringValue), rule.field)));
    variable.addValidation({
      condition: plan.required ? check : Op.or(Op.lt(Fn.lengthOf(variable.stringValue), 1), check),
      errorMessage: `Stem signing key "${plan.keyId}": the value must be a JSON object whose "${rule.field}" is ${rule.text} (value not shown).`,
    });
  }
  return variable;
}
