import { Fn, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { SigningAlgorithm } from "../core/keyring/types";
import { ephemeralVariable } from "../private/ephemeral";
import type { MaterialInputPlan } from "../private/material-input-plan";
import { MATERIAL_FIELD_RULES, materialDocumentShape } from "../private/material-rules";
import { sharedStackVariable } from "../private/stack-claims";

/**
 * The ephemeral input variable for one key's material, declared at stack
 * level (construct ID and Terraform name both `plan.variableName`) and shared
 * with any other keyring in the stack that needs the same key
 * (lib/private/stack-claims.ts) and renders the same ledger (`tag`, see ledgerTag). Each field the phase reads gets a validation
 * rule, so a wrong document fails `terraform plan` without echoing the value.
 */
export function materialInputVariable(scope: Construct, plan: MaterialInputPlan, algorithm: SigningAlgorithm, tag: string, field: string): TerraformVariable {
  const shared = sharedStackVariable(scope, {
    name: plan.variableName,
    kind: `signing key "${plan.keyId}" (${algorithm}, required, ledger ${tag})`,
    owner: scope.node.path,
    field,
    create: (stack) =>
      ephemeralVariable(stack, plan.variableName, {
        name: plan.variableName,
        description: `Material of Stem signing key "${plan.keyId}" (${algorithm}) as JSON ${materialDocumentShape(algorithm)}${
          algorithm === "ed25519" ? " (the seed is read only while the key is active)" : ""
        }. Ephemeral: kept out of plan files and state.`,
      }),
  });
  for (const name of plan.fields) {
    const rule = MATERIAL_FIELD_RULES[name];
    shared.addValidationOnce(name, {
      condition: Fn.can(Fn.regex(rule.pattern, Fn.lookup(Fn.jsondecode(shared.variable.stringValue), name))),
      errorMessage: `Stem signing key "${plan.keyId}": the value must be a JSON object whose "${name}" is ${rule.text} (value not shown).`,
    });
  }
  return shared.variable;
}
