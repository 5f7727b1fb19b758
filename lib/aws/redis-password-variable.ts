import { Fn, Op, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { MAX_REDIS_PASSWORD_LENGTH, MIN_REDIS_PASSWORD_LENGTH } from "../core/redis/password";
import type { ElastiCachePasswordInputPlan } from "../core/redis/elasticache";
import { sharedStackVariable } from "../private/stack-claims";
import type { RedisPasswordInput } from "./redis";

/** REDIS_PASSWORD_PATTERN with its length bounds, as an RE2 pattern for Terraform's regex(). */
const PASSWORD_RE2 = `^[A-Za-z0-9._~-]{${MIN_REDIS_PASSWORD_LENGTH},${MAX_REDIS_PASSWORD_LENGTH}}$`;

/**
 * The sensitive input for one Redis password, declared at stack level and
 * shared with any construct in the stack that renders the same ledger (`tag`)
 * and needs it the same way. SENSITIVE, NOT EPHEMERAL: an ephemeral value may
 * only feed write-only arguments, and ElastiCache users have none in AWS
 * provider 5.100, so the value is saved in plan files and in state (the
 * user's `passwords`). Optional inputs default to "" (the stack's stored copy
 * serves); a validation rule checks characters and length without echoing
 * the value.
 */
export function redisPasswordVariable(scope: Construct, plan: ElastiCachePasswordInputPlan, tag: string, field: string): RedisPasswordInput {
  const shared = sharedStackVariable(scope, {
    name: plan.variableName,
    kind: `Redis password "${plan.passwordId}" (${plan.required ? "required" : "optional"}, ledger ${tag})`,
    owner: scope.node.path,
    field,
    create: (stack) => {
      const variable = new TerraformVariable(stack, plan.variableName, {
        type: "string",
        sensitive: true,
        description:
          `Redis password "${plan.passwordId}": the content of ${plan.passwordId}.password without the newline ('stemguard redis password generate'). ` +
          (plan.required
            ? "Required in this phase: it is written now."
            : "Needed only where this stack has no stored copy yet (a new environment); leave unset otherwise.") +
          " Sensitive (not shown in plan output), but saved in plan files and Terraform state: ElastiCache passwords have no write-only argument.",
      });
      variable.overrideLogicalId(plan.variableName);
      if (!plan.required) {
        variable.addOverride("default", "");
        variable.addOverride("nullable", false);
      }
      return variable;
    },
  });
  const check = Fn.can(Fn.regex(PASSWORD_RE2, shared.variable.stringValue));
  shared.addValidationOnce("password", {
    condition: plan.required ? check : Op.or(Op.lt(Fn.lengthOf(shared.variable.stringValue), 1), check),
    errorMessage: `Redis password "${plan.passwordId}": the value must be ${MIN_REDIS_PASSWORD_LENGTH} to ${MAX_REDIS_PASSWORD_LENGTH} characters of [A-Za-z0-9._~-] (value not shown).`,
  });
  return { ...plan, variable: shared.variable };
}
