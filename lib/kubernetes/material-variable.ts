import { Fn, TerraformVariable, type TerraformStack } from "cdktf";
import { StemguardError } from "../core/errors";
import type { MaterialField } from "../core/keyring/env-plan";
import type { SigningAlgorithm } from "../core/keyring/types";
import { ephemeralVariable } from "../private/ephemeral";
import type { MaterialInputPlan } from "./material-inputs";

/*
 * Canonical standard padded base64 (what Node's Buffer#toString("base64") emits), as RE2
 * patterns for Terraform's regex(). The character before the padding must carry zero
 * trailing bits: Stem's decoder refuses anything else (contract §1.2).
 */
const B64 = "[A-Za-z0-9+/]";
/** Exactly 32 bytes: Ed25519 public keys and seeds. */
const BASE64_32_BYTES = `^${B64}{42}[AEIMQUYcgkosw048]=$`;
/** At least 32 bytes (HMAC secrets; 31 bytes also encode to 44 characters, ending in "=="). */
const BASE64_AT_LEAST_32_BYTES =
  `^(${B64}{4}){10}(${B64}{4}|${B64}{2}[AEIMQUYcgkosw048]=)$` +
  `|^(${B64}{4}){11,}(${B64}[AQgw]==|${B64}{2}[AEIMQUYcgkosw048]=)?$`;

const FIELD_RULES: Record<MaterialField, { pattern: string; text: string }> = {
  secret: { pattern: BASE64_AT_LEAST_32_BYTES, text: "standard padded base64 of at least 32 bytes" },
  seed: { pattern: BASE64_32_BYTES, text: "standard padded base64 of the 32-byte Ed25519 seed" },
  publicKey: { pattern: BASE64_32_BYTES, text: "standard padded base64 of the 32-byte Ed25519 public key" },
};

/** What each stack-level variable was declared for, so a second keyring can share it safely. */
const DECLARED = new WeakMap<TerraformVariable, { algorithm: SigningAlgorithm; fields: Set<MaterialField> }>();

/**
 * The ephemeral input variable for one key's material, created at stack level
 * (construct ID and Terraform name both `plan.variableName`) so keyrings with
 * the same prefix share it. Each field the phase reads gets a validation rule,
 * so a wrong document fails `terraform plan` without echoing the value.
 */
export function materialInputVariable(stack: TerraformStack, plan: MaterialInputPlan, algorithm: SigningAlgorithm): TerraformVariable {
  const existing = stack.node.tryFindChild(plan.variableName);
  let variable: TerraformVariable;
  if (existing === undefined) {
    variable = ephemeralVariable(stack, plan.variableName, {
      name: plan.variableName,
      description: describe(plan.keyId, algorithm),
    });
    DECLARED.set(variable, { algorithm, fields: new Set() });
  } else {
    const declared = existing instanceof TerraformVariable ? DECLARED.get(existing) : undefined;
    if (!declared || declared.algorithm !== algorithm) {
      throw new StemguardError(
        `Terraform variable ${plan.variableName} for key "${plan.keyId}" is already declared in this stack ${declared ? `for a ${declared.algorithm} key` : "by something else"}`,
        {
          field: `keys.${plan.keyId}`,
          value: plan.variableName,
          fix: "give this keyring a different namePrefix so its material inputs get their own names",
        },
      );
    }
    variable = existing as TerraformVariable;
  }
  const declared = DECLARED.get(variable)!;
  for (const field of plan.fields) {
    if (declared.fields.has(field)) continue;
    declared.fields.add(field);
    const rule = FIELD_RULES[field];
    variable.addValidation({
      condition: Fn.can(Fn.regex(rule.pattern, Fn.lookup(Fn.jsondecode(variable.stringValue), field))),
      errorMessage: `Stem signing key "${plan.keyId}": the value must be a JSON object whose "${field}" is ${rule.text} (value not shown).`,
    });
  }
  return variable;
}

function describe(keyId: string, algorithm: SigningAlgorithm): string {
  const shape =
    algorithm === "hmac-sha256"
      ? 'JSON {"secret":"<base64>"}'
      : 'JSON {"seed":"<base64>","publicKey":"<base64>"} (the seed is read only while the key is active)';
  return `Material of Stem signing key "${keyId}" (${algorithm}) as ${shape}. Ephemeral: kept out of plan files and state.`;
}
