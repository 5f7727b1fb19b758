import { Fn, Op, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { SigningAlgorithm } from "../core/keyring/types";
import { ephemeralVariable } from "../private/ephemeral";
import type { MaterialInputPlan } from "../private/material-input-plan";
import { MATERIAL_FIELD_RULES, materialDocumentShape } from "../private/material-rules";
import { sharedStackVariable } from "../private/stack-claims";

/**
 * The ephemeral input for one key's material document, declared at stack
 * level (Terraform address `var.<variableName>`) and shared with any other
 * keyring in the stack that needs the same key and renders the same ledger
 * (`tag`, see ledgerTag; lib/private/stack-claims.ts).
 * Required (no default) in the phase that creates the key; otherwise it
 * defaults to "" (not null: the provider demands `secret_string_wo` whenever
 * `secret_string_wo_version` is set, and an empty string is never written).
 * Validation rules check the document's shape without echoing it.
 */
export function awsMaterialVariable(scope: Construct, plan: MaterialInputPlan, algorithm: SigningAlgorithm, tag: string, field: string): TerraformVariable {
  const shared = sharedStackVariable(scope, {
    name: plan.variableName,
    kind: `signing key "${plan.keyId}" (${algorithm}, ${plan.required ? "required" : "optional"}, ledger ${tag})`,
    owner: scope.node.path,
    field,
    create: (stack) => {
      const variable = ephemeralVariable(stack, plan.variableName, {
        name: plan.variableName,
        description:
          `Material of Stem signing key "${plan.keyId}" (${algorithm}) as JSON ${materialDocumentShape(algorithm)}, ` +
          `as printed by 'stemguard keys generate --format tf-var'. ` +
          (plan.required
            ? "Required in this phase: it creates the key's secret."
            : "Needed only where the key's secret does not exist yet (a new environment); leave unset otherwise.") +
          " Ephemeral: kept out of plan files and state.",
        emptyDefault: !plan.required,
      });
      return variable;
    },
  });
  const variable = shared.variable;
  for (const name of plan.fields) {
    const rule = MATERIAL_FIELD_RULES[name];
    const check = Fn.can(Fn.regex(rule.pattern, Fn.lookup(Fn.jsondecode(variable.stringValue), name)));
    shared.addValidationOnce(name, {
      condition: plan.required ? check : Op.or(Op.lt(Fn.lengthOf(variable.stringValue), 1), check),
      errorMessage: `Stem signing key "${plan.keyId}": the value must be a JSON object whose "${name}" is ${rule.text} (value not shown).`,
    });
  }
  return variable;
}

export { materialDocumentShape };
