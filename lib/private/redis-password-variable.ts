import { Fn, Op, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { MAX_REDIS_PASSWORD_LENGTH, MIN_REDIS_PASSWORD_LENGTH } from "../core/redis/password";
import type { RedisPasswordInputPlan } from "../core/redis/revisions";
import { ephemeralVariable, sensitiveVariable } from "./ephemeral";
import { sharedStackVariable } from "./stack-claims";

/** REDIS_PASSWORD_PATTERN with its length bounds, as an RE2 pattern for Terraform's regex(). */
const PASSWORD_RE2 = `^[A-Za-z0-9._~-]{${MIN_REDIS_PASSWORD_LENGTH},${MAX_REDIS_PASSWORD_LENGTH}}$`;

/** A declared password input: names plus the Terraform variable. */
export interface RedisPasswordInput extends RedisPasswordInputPlan {
  /** The sensitive input variable (ephemeral on Kubernetes; on ElastiCache, where no write-only password argument exists, sensitive only). */
  readonly variable: TerraformVariable;
}

/**
 * Where the value may go. `ephemeral`: only into write-only arguments (the
 * Kubernetes ACL Secret's `data_wo`), never into plan files or state.
 * `state`: into an ordinary argument (ElastiCache users in AWS provider
 * 5.100 have no write-only password argument), so plan files and state hold it.
 */
export type RedisPasswordStorage = "ephemeral" | "state";

/**
 * The sensitive input for one Redis password, declared at stack level and
 * shared with any construct in the stack that renders the same ledger
 * (`tag`) and needs it the same way. Optional inputs default to "" (an
 * unchanged revision never writes them; `ephemeralVariable`'s
 * `emptyDefault`); a validation rule checks the characters and length
 * without echoing the value.
 */
export function redisPasswordVariable(scope: Construct, plan: RedisPasswordInputPlan, tag: string, field: string, storage: RedisPasswordStorage = "ephemeral"): RedisPasswordInput {
  const shared = sharedStackVariable(scope, {
    name: plan.variableName,
    kind: `Redis password "${plan.passwordId}" (${plan.required ? "required" : "optional"}, ${storage}, ledger ${tag})`,
    owner: scope.node.path,
    field,
    create: (stack) => {
      const declare = storage === "ephemeral" ? ephemeralVariable : sensitiveVariable;
      return declare(stack, plan.variableName, {
        name: plan.variableName,
        description:
          `Redis password "${plan.passwordId}": the content of material/${plan.passwordId}.password without the newline ('stemguard redis password generate'). ` +
          (storage === "ephemeral"
            ? (plan.required ? "Required in this phase: it is written now." : "Not written in this phase; leave unset.") + " Ephemeral: kept out of plan files and state."
            : (plan.required
                ? "Required in this phase: it is written now."
                : "Needed only where this stack has no stored copy yet (a new environment); leave unset otherwise.") +
              " Sensitive (not shown in plan output), but saved in plan files and Terraform state: ElastiCache passwords have no write-only argument."),
        emptyDefault: !plan.required,
      });
    },
  });
  const check = Fn.can(Fn.regex(PASSWORD_RE2, shared.variable.stringValue));
  shared.addValidationOnce("password", {
    condition: plan.required ? check : Op.or(Op.lt(Fn.lengthOf(shared.variable.stringValue), 1), check),
    errorMessage: `Redis password "${plan.passwordId}": the value must be ${MIN_REDIS_PASSWORD_LENGTH} to ${MAX_REDIS_PASSWORD_LENGTH} characters of [A-Za-z0-9._~-] (value not shown).`,
  });
  return { ...plan, variable: shared.variable };
}
