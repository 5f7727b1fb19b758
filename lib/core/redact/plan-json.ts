/*
 * `terraform show -json` of a plan holds every value Terraform knows, marked
 * sensitive or not: ElastiCache passwords (no write-only argument in AWS
 * provider 5.100) sit there in plain text. What stemguard prints or posts of
 * a plan goes through redactPlanJson first. No imports: every layer may use it.
 */

/** What a redacted value becomes. */
export const REDACTED_VALUE = "(sensitive value)";

type Json = unknown;
type Obj = Record<string, unknown>;

const isObject = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * `value` with every part that `marks` (Terraform's `*_sensitive` shape:
 * `true` for a sensitive subtree, objects and arrays mirroring the value)
 * marks replaced by REDACTED_VALUE.
 */
export function maskSensitive(value: Json, marks: Json): Json {
  if (marks === true) return value === null || value === undefined ? value : REDACTED_VALUE;
  if (Array.isArray(value) && Array.isArray(marks)) return value.map((v, i) => maskSensitive(v, marks[i]));
  if (isObject(value) && isObject(marks)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSensitive(v, marks[k])]));
  return value;
}

/** A module's resources (`planned_values` / `prior_state.values`): values masked with their `sensitive_values`. */
function redactModule(module: Json): Json {
  if (!isObject(module)) return module;
  const out: Obj = { ...module };
  if (Array.isArray(module.resources)) {
    out.resources = module.resources.map((r) => (isObject(r) ? { ...r, values: maskSensitive(r.values, r.sensitive_values) } : r));
  }
  if (Array.isArray(module.child_modules)) out.child_modules = module.child_modules.map(redactModule);
  if (isObject(module.outputs)) out.outputs = redactOutputs(module.outputs);
  return out;
}

function redactOutputs(outputs: Obj): Obj {
  return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, isObject(o) && o.sensitive !== false ? { ...o, value: REDACTED_VALUE } : o]));
}

function redactChange(change: Json): Json {
  if (!isObject(change)) return change;
  return {
    ...change,
    before: maskSensitive(change.before, change.before_sensitive),
    after: maskSensitive(change.after, change.after_sensitive),
  };
}

/**
 * A copy of a plan's JSON (`terraform show -json <planfile>`) with every
 * sensitive value replaced by `(sensitive value)`, as the human plan output
 * shows it: resource and output changes (by their `*_sensitive` marks),
 * planned values and prior state (by `sensitive_values`), every output, and
 * EVERY root variable value (fail closed: the plan JSON does not say which
 * variables are sensitive in all Terraform versions). Unknown keys pass
 * through; their values are Terraform's own metadata.
 */
export function redactPlanJson(plan: Json): Json {
  if (!isObject(plan)) return plan;
  const out: Obj = { ...plan };
  if (isObject(plan.variables)) {
    out.variables = Object.fromEntries(Object.entries(plan.variables).map(([k, v]) => [k, isObject(v) && "value" in v ? { ...v, value: REDACTED_VALUE } : v]));
  }
  if (Array.isArray(plan.resource_changes)) out.resource_changes = plan.resource_changes.map((r) => (isObject(r) ? { ...r, change: redactChange(r.change) } : r));
  if (Array.isArray(plan.resource_drift)) out.resource_drift = plan.resource_drift.map((r) => (isObject(r) ? { ...r, change: redactChange(r.change) } : r));
  if (isObject(plan.output_changes)) out.output_changes = Object.fromEntries(Object.entries(plan.output_changes).map(([k, c]) => [k, isObject(c) ? { ...c, before: REDACTED_VALUE, after: REDACTED_VALUE } : c]));
  if (isObject(plan.planned_values)) out.planned_values = { ...plan.planned_values, root_module: redactModule(plan.planned_values.root_module), ...(isObject(plan.planned_values.outputs) ? { outputs: redactOutputs(plan.planned_values.outputs) } : {}) };
  if (isObject(plan.prior_state) && isObject(plan.prior_state.values)) {
    const values = plan.prior_state.values;
    out.prior_state = { ...plan.prior_state, values: { ...values, root_module: redactModule(values.root_module), ...(isObject(values.outputs) ? { outputs: redactOutputs(values.outputs) } : {}) } };
  }
  return out;
}
