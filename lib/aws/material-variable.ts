import { Fn, Op, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { SigningAlgorithm } from "../core/keyring/types";
import { ephemeralVariable } from "../private/ephemeral";
import { MATERIAL_DOCUMENT_FIELDS, MATERIAL_FIELD_RULES, materialDocumentShape } from "../private/material-rules";
import type { AwsMaterialInputPlan } from "./names";

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
  for (const field of MATERIAL_DOCUMENT_FIELDS[algorithm]) {
    const rule = { field, ...MATERIAL_FIELD_RULES[field] };
    const check = Fn.can(Fn.regex(rule.pattern, Fn.lookup(Fn.jsondecode(variable.stringValue), rule.field)));
    variable.addValidation({
      condition: plan.required ? check : Op.or(Op.lt(Fn.lengthOf(variable.stringValue), 1), check),
      errorMessage: `Stem signing key "${plan.keyId}": the value must be a JSON object whose "${rule.field}" is ${rule.text} (value not shown).`,
    });
  }
  return variable;
}

export { materialDocumentShape };
