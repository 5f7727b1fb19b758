import { Fn, TerraformVariable, type TerraformStack } from "cdktf";
import { StemguardError } from "../core/errors";
import type { MaterialField } from "../core/keyring/env-plan";
import type { SigningAlgorithm } from "../core/keyring/types";
import { ephemeralVariable } from "../private/ephemeral";
import { MATERIAL_FIELD_RULES } from "../private/material-rules";
import type { MaterialInputPlan } from "./material-inputs";

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
    const rule = MATERIAL_FIELD_RULES[field];
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
