import { maskSensitive, REDACTED_VALUE, redactPlanJson } from "../../../lib/core/redact/plan-json";
import { findPasswordLeaks, markerPassword } from "../../aws/redis-markers";

// The shape `terraform show -json` gives an ElastiCache user whose passwords changed (AWS
// provider 5.100: no write-only password argument), trimmed to what matters here. The real
// plan of the whole walk is redacted in test/transitions/aws-redis.transition.ts.
const PW1 = markerPassword("pw1");
const PW2 = markerPassword("pw2");
const user = (passwords: string[]) => ({ user_name: "default", access_string: "on ~* &* +@all", authentication_mode: [{ type: "password", passwords, password_count: passwords.length }] });
const marks = { authentication_mode: [{ passwords: true }] };
const plan = {
  format_version: "1.2",
  variables: { redis__stem_redis_password_pw2: { value: PW2 }, redis__region: { value: "eu-west-1" } },
  planned_values: { root_module: { child_modules: [{ address: "module.redis", resources: [{ address: "module.redis.aws_elasticache_user.u", values: user([PW1, PW2]), sensitive_values: marks }] }] } },
  resource_changes: [
    {
      address: "module.redis.aws_elasticache_user.u",
      change: { actions: ["update"], before: user([PW1]), after: user([PW1, PW2]), before_sensitive: marks, after_sensitive: marks, after_unknown: {} },
    },
    { address: "module.redis.terraform_data.p", change: { actions: ["create"], before: null, after: { triggers_replace: PW2 }, before_sensitive: false, after_sensitive: { triggers_replace: true } } },
  ],
  prior_state: { values: { root_module: { resources: [{ address: "aws_elasticache_user.u", values: user([PW1]), sensitive_values: marks }] } } },
  output_changes: { url: { actions: ["create"], before: null, after: `rediss://:${PW2}@h:6379/0` } },
};

describe("redactPlanJson", () => {
  test("the plan JSON holds the passwords; the redacted copy holds none, in any form, and keeps everything else", () => {
    expect(findPasswordLeaks(JSON.stringify(plan), [PW1, PW2]).length).toBeGreaterThan(0);
    const redacted = redactPlanJson(plan) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(findPasswordLeaks(JSON.stringify(redacted), [PW1, PW2])).toEqual([]);
    expect(redacted.resource_changes[0].change.after.authentication_mode[0]).toEqual({ type: "password", passwords: REDACTED_VALUE, password_count: 2 });
    expect(redacted.resource_changes[0].change.actions).toEqual(["update"]);
    expect(redacted.resource_changes[1].change.after).toEqual({ triggers_replace: REDACTED_VALUE });
    expect(redacted.variables.redis__region.value).toBe(REDACTED_VALUE); // fail closed: every variable
    expect(plan.variables.redis__stem_redis_password_pw2.value).toBe(PW2); // the input is not changed
  });

  test("maskSensitive follows Terraform's marks: true for a subtree, arrays and objects mirrored, nulls kept", () => {
    expect(maskSensitive({ a: [1, { b: "x", c: "y" }], d: null }, { a: [false, { b: true }], d: true })).toEqual({ a: [1, { b: REDACTED_VALUE, c: "y" }], d: null });
    expect(maskSensitive("text", true)).toBe(REDACTED_VALUE);
    expect(redactPlanJson("not a plan")).toBe("not a plan");
  });
});
