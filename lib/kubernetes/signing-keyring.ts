import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, TerraformStack, type TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, resolveRoleEnv } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { ledgerTag, loadKeyringLedger, resolveKeyringRoles } from "../private/keyring-source";
import { markSigningKeyring } from "../private/review-marker";
import { claimObjectName } from "../private/stack-claims";
import { assertLabels, assertNamePrefix, assertNamespace } from "./kubernetes-names";
import { planMaterialInputs, type MaterialInputPlan } from "./material-inputs";
import { materialInputVariable } from "./material-variable";
import type { IStemRedis } from "./redis-base";
import { SigningKeyringBase, type ISigningKeyring } from "./signing-keyring-base";
import { KEYRING_REVISION_ANNOTATION, REDIS_CLIENT_REVISION_ANNOTATION } from "./workload-env";

export type { ISigningKeyring } from "./signing-keyring-base";

const KEYRING = Symbol.for("stemguard.kubernetes.StemSigningKeyring");

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-signing";

/** Labels the keyring puts on every Secret it owns; user labels cannot replace them. */
const MANAGED_BY = "app.kubernetes.io/managed-by";
const ROLE_LABEL = "stemguard.io/role";

export interface StemSigningKeyringProps {
  /**
   * The rotation ledger. Only one of `ledger` and `ledgerFile` may be given.
   *
   * @default - read from `ledgerFile`
   */
  readonly ledger?: SigningLedger;

  /**
   * Path of the ledger file (`stemguard.rotation.json`), relative to the
   * process's working directory. Only one of `ledger` and `ledgerFile` may be given.
   *
   * @default - `ledger` is used
   */
  readonly ledgerFile?: string;

  /** Namespace of the role Secrets; the workloads that read them must run in it. */
  readonly namespace: string;

  /**
   * Prefix of the Secret names (`<prefix>-<role>`) and of the material input
   * variables (`<prefix_with_underscores>_key_<key id>`). Keyrings in one stack
   * with the same prefix share material inputs by key id; two of them in one
   * namespace would write the same Secrets, so the second is refused.
   *
   * @default "stem-signing"
   */
  readonly namePrefix?: string;

  /**
   * Extra labels for the role Secrets.
   *
   * @default - only `app.kubernetes.io/managed-by=stemguard` and `stemguard.io/role=<role>`
   */
  readonly labels?: Readonly<Record<string, string>>;

  /**
   * Roles that get a Secret. Leave out roles that this stack does not run, so
   * their material is not asked for.
   *
   * @default - all roles: producer, worker, beat
   */
  readonly roles?: readonly Role[];

  /**
   * A Redis (`StemRedis`, or `StemRedis.fromNamePrefix` for one another stack
   * runs) in this stack. Each role Secret then also carries that role's
   * Redis env (`STEM_BROKER_URL`, `STEM_RESULT_BACKEND_URL`, ... with the
   * active password, and the STEM_TLS_* paths over rediss://), written with
   * `data_wo` like the signing variables, and `containerEnv` refers to them:
   * a role's whole Stem env is one Secret. The pods also roll when the Redis
   * client env changes (`stemguard.io/redis-client-revision`). Containers
   * must then not set those variables themselves (nor use the TLS bundles'
   * `containerEnv`; mount their client volumes only).
   *
   * @default - the Secrets carry the signing env only
   */
  readonly redis?: IStemRedis;
}

/** Where to find a keyring another stack created: the same ledger and names, no resources. */
export interface SigningKeyringImportProps {
  /**
   * The rotation ledger the owning stack renders. Only one of `ledger` and `ledgerFile` may be given.
   *
   * @default - read from `ledgerFile`
   */
  readonly ledger?: SigningLedger;

  /**
   * Path of that ledger file, relative to the process's working directory.
   *
   * @default - `ledger` is used
   */
  readonly ledgerFile?: string;

  /** Namespace of the owning keyring's Secrets; the workloads must run in it. */
  readonly namespace: string;

  /**
   * The owning keyring's `namePrefix`.
   *
   * @default "stem-signing"
   */
  readonly namePrefix?: string;

  /**
   * Roles this stack uses; each must have a Secret in the owning stack.
   *
   * @default - all roles: producer, worker, beat
   */
  readonly roles?: readonly Role[];

  /**
   * The Redis the owning keyring was given (`redis`), so `variableNames`,
   * `containerEnv` and the annotations match its Secrets.
   *
   * @default - no Redis env in the Secrets
   */
  readonly redis?: IStemRedis;
}

/** A material input the keyring declared: names plus the Terraform variable. */
export interface MaterialInput extends MaterialInputPlan {
  /** The ephemeral, sensitive input variable. */
  readonly variable: TerraformVariable;
}

/**
 * Stem payload-signing keys for Kubernetes workloads, driven by a rotation ledger.
 *
 * Creates one `kubernetes_secret_v1` per role, named `<namePrefix>-<role>`,
 * whose keys are the Stem env variables of that role in the ledger's phase.
 * The values are written with the write-only `data_wo` from ephemeral input
 * variables (one per key, see `materialInputs`), so no material reaches the
 * synthesized JSON, the plan or the state. `data_wo_revision` is the role's
 * keyring revision: Terraform rewrites a Secret exactly when the ledger
 * changed that role's env. Wire containers with `containerEnv` and pod
 * templates with `podAnnotations` so workloads roll with their keyring.
 *
 * Needs Terraform >= 1.11 and the Kubernetes provider >= 2.38.
 */
export class StemSigningKeyring extends SigningKeyringBase {
  /** True for a keyring created by any copy of stemguard (not for one imported with `fromNamePrefix`). */
  public static isStemSigningKeyring(x: unknown): x is StemSigningKeyring {
    return typeof x === "object" && x !== null && KEYRING in x;
  }

  /**
   * A keyring another stack created (a platform team keeps the keyring in one
   * stack, services live in others). Creates no Secret and asks for no
   * material: containers refer to the Secrets `<namePrefix>-<role>` by name,
   * and `revision`, `variableNames` and the pod annotations follow from the
   * same ledger. Apply the owning stack first in every phase.
   */
  public static fromNamePrefix(scope: Construct, id: string, props: SigningKeyringImportProps): ISigningKeyring {
    return new ImportedSigningKeyring(scope, id, props);
  }

  /** The validated ledger this keyring renders. */
  public readonly ledger: SigningLedger;
  /** Namespace of the role Secrets. */
  public readonly namespace: string;
  /** Resolved `namePrefix`. */
  public readonly namePrefix: string;
  /** Resolved roles, in producer, worker, beat order. */
  public readonly roles: readonly Role[];
  /** The Redis whose client env the role Secrets carry, when given. */
  public readonly redis?: IStemRedis;
  /**
   * The ephemeral inputs `terraform plan`/`apply` need in this phase, in ledger
   * order: set `TF_VAR_<variableName>` to the key's JSON document
   * (`materialSecretJson`; only `fields` are read).
   */
  public readonly materialInputs: readonly MaterialInput[];

  private readonly secrets = new Map<Role, SecretV1>();
  private readonly secretNameRefs = new Map<Role, string>();

  constructor(scope: Construct, id: string, props: StemSigningKeyringProps) {
    super(scope, id);
    Object.defineProperty(this, KEYRING, { value: true });
    markSigningKeyring(this, "kubernetes", false);
    const field = (name: string) => `${this.node.path} props.${name}`;

    this.ledger = loadKeyringLedger(props, field);
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    const labels = props.labels ?? {};
    assertLabels(labels, field("labels"));
    for (const owned of [MANAGED_BY, ROLE_LABEL]) {
      if (owned in labels) {
        throw new StemguardError("this label is set by the keyring", {
          field: `${field("labels")}.${owned}`,
          value: labels[owned],
          fix: `remove "${owned}" from labels`,
        });
      }
    }
    this.roles = resolveKeyringRoles(props.roles, field("roles"));
    this.redis = checkedRedis(this, props.redis, field("redis"));

    for (const role of this.roles) {
      claimObjectName(this, `Kubernetes Secret ${this.namespace}/${this.secretName(role)}`, this.node.path, field("namePrefix"), this.namePrefix);
    }
    const tag = ledgerTag(this.ledger);
    this.materialInputs = planMaterialInputs(this.ledger, this.namePrefix, this.roles).map((plan) => ({
      ...plan,
      variable: materialInputVariable(this, plan, this.ledger.algorithm, tag, field("namePrefix")),
    }));
    const documents = new Map(this.materialInputs.map((m) => [m.keyId, Fn.jsondecode(m.variable.stringValue)]));

    for (const role of this.roles) {
      const revision = this.revision(role);
      // Tokens only: a hand-written "${...}" inside Fn.join would be escaped to a literal "$${...}".
      const data = resolveRoleEnv(planRoleEnv(this.ledger, role), (ref) => Fn.lookup(documents.get(ref.keyId), ref.field));
      if (this.redis) {
        for (const entry of this.redis.clientEnv(role)) {
          if (entry.name in data) throw new StemguardError(`${entry.name} would be set twice in the role Secret`, { field: field("redis"), value: entry.name, fix: "report this: signing and Redis variables never share a name" });
          data[entry.name] = entry.value;
        }
        // The Secret is rewritten whenever its revision moves: from a signing step too, which needs the active Redis password.
        if (revision === this.ledger.phase) this.redis.requireActivePassword(`the signing keyring ${this.node.path}`);
      }
      const secret = new SecretV1(this, roleId(role), {
        metadata: {
          name: this.secretName(role),
          namespace: this.namespace,
          labels: { ...labels, [MANAGED_BY]: "stemguard", [ROLE_LABEL]: role },
          annotations: {
            [KEYRING_REVISION_ANNOTATION]: String(revision),
            ...(this.redis ? { [REDIS_CLIENT_REVISION_ANNOTATION]: String(this.redis.clientEnvRevision) } : {}),
          },
        },
        type: "Opaque",
        dataWo: data,
        dataWoRevision: this.secretRevision(role),
      });
      this.secrets.set(role, secret);
      // The Secret's attribute, not a literal: workloads then depend on the Secret, so Terraform rewrites
      // it before it rolls the pods. One token per role: cdktf records a stack trace per token it creates.
      this.secretNameRefs.set(role, secret.metadata.name);
    }
  }

  /** The `kubernetes_secret_v1` of `role`. */
  public secret(role: Role): SecretV1 {
    return this.secrets.get(this.expectRole(role, "secret"))!;
  }

  protected secretNameRef(role: Role): string {
    return this.secretNameRefs.get(role)!;
  }
}

/** `StemSigningKeyring.fromNamePrefix`: env and annotations against Secrets another stack writes. */
class ImportedSigningKeyring extends SigningKeyringBase {
  public readonly ledger: SigningLedger;
  public readonly namespace: string;
  public readonly namePrefix: string;
  public readonly roles: readonly Role[];
  public readonly redis?: IStemRedis;

  constructor(scope: Construct, id: string, props: SigningKeyringImportProps) {
    super(scope, id);
    markSigningKeyring(this, "kubernetes", true);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.ledger = loadKeyringLedger(props, field);
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    this.roles = resolveKeyringRoles(props.roles, field("roles"));
    this.redis = checkedRedis(this, props.redis, field("redis"));
  }

  protected secretNameRef(role: Role): string {
    return this.secretName(role);
  }
}

/** The Redis must be in the keyring's stack: its password inputs are that stack's variables. */
function checkedRedis(keyring: Construct, redis: IStemRedis | undefined, field: string): IStemRedis | undefined {
  if (redis !== undefined && TerraformStack.of(redis) !== TerraformStack.of(keyring)) {
    throw new StemguardError("the Redis is in another stack; the role Secrets can only use password inputs of their own stack", {
      field,
      value: redis.node.path,
      fix: `use StemRedis.fromNamePrefix(this, "Redis", { ledgerFile: "stemguard.redis.json", namespace: "${redis.namespace}", namePrefix: "${redis.namePrefix}" }) in this stack`,
    });
  }
  return redis;
}

/** Construct ID of a role's Secret: part of the Terraform address, so never change it. */
function roleId(role: Role): string {
  return `${role[0].toUpperCase()}${role.slice(1)}`;
}
