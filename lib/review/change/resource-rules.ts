/**
 * What the review knows about the resource types stemguard emits and the
 * workloads it wires. Three tables, each the documented rule (docs/review.md):
 *
 * - STATEFUL: types whose destroy or replace loses data or secret material
 *   (keyring, role and TLS secrets, Redis, volumes). A destroy or replace of
 *   one fails the review unless a ledger step explains it.
 * - FORCE_NEW: for a synth pair, the top-level arguments whose change makes
 *   Terraform replace the resource (ForceNew in the pinned providers: AWS
 *   5.100, Kubernetes 2.38). A synth pair cannot see computed values, so this
 *   is a lower bound; a plan is exact.
 * - WORKLOADS: types that start new pods or tasks when their template changes.
 */

export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  "aws_secretsmanager_secret",
  "aws_secretsmanager_secret_version",
  "aws_kms_key",
  "aws_elasticache_replication_group",
  "aws_elasticache_cluster",
  "aws_elasticache_serverless_cache",
  "aws_elasticache_user",
  "aws_elasticache_user_group",
  "aws_s3_bucket",
  "aws_dynamodb_table",
  "aws_efs_file_system",
  "aws_db_instance",
  "kubernetes_secret",
  "kubernetes_secret_v1",
  "kubernetes_persistent_volume_claim",
  "kubernetes_persistent_volume_claim_v1",
  "kubernetes_persistent_volume",
  "kubernetes_persistent_volume_v1",
  "kubernetes_stateful_set",
  "kubernetes_stateful_set_v1",
]);

/** Replacing one of these creates a new object and deletes the old one, whatever its arguments: immutable types. */
const IMMUTABLE: ReadonlySet<string> = new Set(["aws_ecs_task_definition"]);
/** Arguments of an immutable type that change in place. */
const IMMUTABLE_IN_PLACE: ReadonlySet<string> = new Set(["tags", "tags_all", "skip_destroy", "track_latest", "lifecycle", "depends_on", "provider"]);

const K8S_IDENTITY = ["metadata.name", "metadata.namespace"];

/** Argument paths (dot-separated, into single nested blocks) that force replacement, per type. */
export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  aws_secretsmanager_secret: ["name", "name_prefix"],
  aws_secretsmanager_secret_version: ["secret_id", "secret_string", "secret_binary", "secret_string_wo_version"],
  aws_iam_role_policy: ["name", "name_prefix", "role"],
  aws_iam_role: ["name", "name_prefix"],
  aws_iam_role_policy_attachment: ["role", "policy_arn"],
  aws_kms_key: ["customer_master_key_spec", "key_usage", "multi_region", "xks_key_id", "custom_key_store_id"],
  aws_ecs_service: ["name", "cluster", "launch_type", "scheduling_strategy", "iam_role"],
  aws_ecs_cluster: ["name"],
  aws_elasticache_replication_group: ["replication_group_id", "engine", "at_rest_encryption_enabled", "subnet_group_name", "port", "kms_key_id", "num_node_groups_if_cluster_mode_disabled"],
  aws_cloudwatch_metric_alarm: [],
  aws_elasticache_user: ["user_id", "user_name"],
  aws_elasticache_user_group: ["user_group_id"],
  aws_elasticache_subnet_group: ["name"],
  aws_elasticache_parameter_group: ["name", "family"],
  aws_security_group: ["name", "name_prefix", "vpc_id", "description"],
  aws_vpc_security_group_ingress_rule: [],
  terraform_data: ["triggers_replace"],
  kubernetes_secret_v1: [...K8S_IDENTITY, "type", "immutable"],
  kubernetes_secret: [...K8S_IDENTITY, "type", "immutable"],
  kubernetes_config_map_v1: [...K8S_IDENTITY],
  kubernetes_service_v1: [...K8S_IDENTITY],
  kubernetes_deployment_v1: [...K8S_IDENTITY],
  kubernetes_stateful_set_v1: [...K8S_IDENTITY, "spec.selector", "spec.service_name", "spec.volume_claim_template", "spec.pod_management_policy"],
  kubernetes_persistent_volume_claim_v1: [...K8S_IDENTITY, "spec"],
  kubernetes_persistent_volume_claim: [...K8S_IDENTITY, "spec"],
  kubernetes_cron_job_v1: [...K8S_IDENTITY],
  kubernetes_namespace_v1: ["metadata.name"],
  kubernetes_network_policy_v1: [...K8S_IDENTITY],
  kubernetes_pod_disruption_budget_v1: [...K8S_IDENTITY, "spec.selector"],
};

/** Workload types and the argument path whose change starts new pods or tasks. */
export const WORKLOADS: Readonly<Record<string, string>> = {
  aws_ecs_task_definition: "container_definitions",
  aws_ecs_service: "task_definition",
  kubernetes_deployment_v1: "spec.template",
  kubernetes_deployment: "spec.template",
  kubernetes_stateful_set_v1: "spec.template",
  kubernetes_stateful_set: "spec.template",
  kubernetes_daemon_set_v1: "spec.template",
  kubernetes_daemonset: "spec.template",
  kubernetes_cron_job_v1: "spec.job_template",
  kubernetes_job_v1: "spec.template",
};

/** Whether this type is known to the review at all (a type it does not know under a stemguard construct fails closed). */
export function isKnownType(type: string): boolean {
  return STATEFUL_TYPES.has(type) || type in FORCE_NEW || type in WORKLOADS || IMMUTABLE.has(type);
}

/**
 * Which changed argument paths force a replacement of `type`, from two
 * configurations: the rule above, or every argument but tags for an immutable type.
 */
export function forcedReplacement(type: string, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>, changed: readonly string[]): string[] {
  if (IMMUTABLE.has(type)) return changed.filter((a) => !IMMUTABLE_IN_PLACE.has(a));
  const rules = [...(FORCE_NEW[type] ?? []), ...(type === "aws_elasticache_replication_group" && transitNeedsReplace(after.engine_version) ? ["transit_encryption_enabled"] : [])];
  return rules.filter((rule) => {
    const [top] = rule.split(".");
    if (!changed.includes(top)) return false;
    return stableText(valueAt(before, rule)) !== stableText(valueAt(after, rule));
  });
}

/**
 * The AWS provider (5.100) replaces a replication group whose
 * transit_encryption_enabled changes unless its engine is 7.0.5 or later.
 * A synth knows only the configured version: "7.0" may run 7.0.4, so only
 * 7.1 and later (or 7.0.5 and later, spelled out) count as in place.
 */
function transitNeedsReplace(engineVersion: unknown): boolean {
  if (typeof engineVersion !== "string") return false; // the provider's default engine is current
  const [major = 0, minor = 0, patch] = engineVersion.split(".").map((p) => Number.parseInt(p, 10));
  if (major !== 7) return major < 7;
  return minor === 0 && !(patch !== undefined && patch >= 5);
}

/** The value at a dot path, through single nested blocks (cdktf writes a block as an object or a one-item list). */
export function valueAt(config: unknown, dotPath: string): unknown {
  let node: unknown = config;
  for (const part of dotPath.split(".")) {
    if (Array.isArray(node) && node.length === 1) node = node[0];
    if (!node || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return Array.isArray(node) && node.length === 1 && typeof node[0] === "object" ? node[0] : node;
}

/** JSON with sorted keys: equal configurations give equal text. */
export function stableText(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v));
}
