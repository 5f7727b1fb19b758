import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn, TerraformStack, type TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, resolveRoleEnv, roleEnvRevision } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { loadKeyringLedger, resolveKeyringRoles } from "../private/keyring-source";
import { assertLabels, assertNamePrefix, assertNamespace } from "./kubernetes-names";
import { planMaterialInputs, type MaterialInputPlan } from "./material-inputs";
import { materialInputVariable } from "./material-variable";
import {
  KEYRING_REVISION_ANNOTATION,
  mergeContainerEnv,
  mergePodAnnotations,
  type EnvVarLike,
  type SecretKeyEnvVar,
  type StemContainerEnvVar,
} from "./workload-env";

const KEYRING = Symbol.for("stemguard.StemKubernetesSigningKeyring");

/** Labels the keyring puts on every Secret it owns; user labels cannot replace them. */
const MANAGED_BY = "app.kubernetes.io/managed-by";
const ROLE_LABEL = "stemguard.io/role";

export interface StemKubernetesSigningKeyringProps {
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
   * with the same prefix share material inputs by key id.
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
export class StemKubernetesSigningKeyring extends Construct {
  /** True for a keyring from any copy of stemguard. */
  public static isStemKubernetesSigningKeyring(x: unknown): x is StemKubernetesSigningKeyring {
    return typeof x === "object" && x !== null && KEYRING in x;
  }

  /** The validated ledger this keyring renders. */
  public readonly ledger: SigningLedger;
  /** Namespace of the role Secrets. */
  public readonly namespace: string;
  /** Resolved `namePrefix`. */
  public readonly namePrefix: string;
  /** Resolved roles, in producer, worker, beat order. */
  public readonly roles: readonly Role[];
  /**
   * The ephemeral inputs `terraform plan`/`apply` need in this phase, in ledger
   * order: set `TF_VAR_<variableName>` to the key's JSON document
   * (`materialSecretJson`; only `fields` are read).
   */
  public readonly materialInputs: readonly MaterialInput[];

  private readonly secrets = new Map<Role, SecretV1>();
  private readonly revisions = new Map<Role, number>();
  private readonly secretNameRefs = new Map<Role, string>();

  constructor(scope: Construct, id: string, props: StemKubernetesSigningKeyringProps) {
    super(scope, id);
    Object.defineProperty(this, KEYRING, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;

    this.ledger = loadKeyringLedger(props, field);
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.namePrefix = props.namePrefix ?? "stem-signing";
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

    const stack = TerraformStack.of(this);
    this.materialInputs = planMaterialInputs(this.ledger, this.roles, this.namePrefix).map((plan) => ({
      ...plan,
      variable: materialInputVariable(stack, plan, this.ledger.algorithm),
    }));
    const documents = new Map(this.materialInputs.map((m) => [m.keyId, Fn.jsondecode(m.variable.stringValue)]));

    for (const role of this.roles) {
      const revision = roleEnvRevision(this.ledger, role);
      // Tokens only: a hand-written "${...}" inside Fn.join would be escaped to a literal "$${...}".
      const data = resolveRoleEnv(planRoleEnv(this.ledger, role), (ref) => Fn.lookup(documents.get(ref.keyId), ref.field));
      const secret = new SecretV1(this, roleId(role), {
        metadata: {
          name: this.secretName(role),
          namespace: this.namespace,
          labels: { ...labels, [MANAGED_BY]: "stemguard", [ROLE_LABEL]: role },
          annotations: { [KEYRING_REVISION_ANNOTATION]: String(revision) },
        },
        type: "Opaque",
        dataWo: data,
        dataWoRevision: revision,
      });
      this.secrets.set(role, secret);
      // The Secret's attribute, not a literal: workloads then depend on the Secret, so Terraform rewrites
      // it before it rolls the pods. One token per role: cdktf records a stack trace per token it creates.
      this.secretNameRefs.set(role, secret.metadata.name);
      this.revisions.set(role, revision);
    }
  }

  /** The Secret name of `role`: `<namePrefix>-<role>`. */
  public secretName(role: Role): string {
    return `${this.namePrefix}-${role}`;
  }

  /** The `kubernetes_secret_v1` of `role`. */
  public secret(role: Role): SecretV1 {
    return this.secrets.get(this.expectRole(role, "secret"))!;
  }

  /** The role's keyring revision: the latest ledger phase that changed its env (`data_wo_revision`). */
  public revision(role: Role): number {
    return this.revisions.get(this.expectRole(role, "revision"))!;
  }

  /** Names of the Stem variables in the Secret of `role`, in the order Stem documents them. */
  public variableNames(role: Role): string[] {
    return planRoleEnv(this.ledger, this.expectRole(role, "variableNames")).variables.map((v) => v.name);
  }

  /**
   * Env for a Stem container of `role`: `env` (yours, kept first and
   * unchanged), one `secretKeyRef` entry per Stem signing variable (explicit,
   * so reviews show what each container gets, and `optional: false`, so a
   * missing key stops the container instead of starting Stem with signing off),
   * then `TZ=UTC` unless `env` already sets it. Throws if `env` sets a
   * `STEM_SIGNING_*` variable or a TZ other than UTC.
   *
   * The result fits the container `env` of `DeploymentV1`, `StatefulSetV1` and `CronJobV1`.
   */
  public containerEnv<T extends EnvVarLike>(role: Role, env: readonly T[] = []): (T | StemContainerEnvVar)[] {
    const secretName = this.secretNameRefs.get(this.expectRole(role, "containerEnv"))!;
    const stemEnv = this.variableNames(role).map(
      (name): SecretKeyEnvVar => ({ name, valueFrom: { secretKeyRef: { name: secretName, key: name, optional: false } } }),
    );
    return mergeContainerEnv(stemEnv, env, `${this.node.path}.containerEnv(${role})`);
  }

  /**
   * Pod-template annotations for a workload of `role`: `annotations` (yours,
   * unchanged) plus `stemguard.io/keyring-revision: "<revision>"`, which
   * changes exactly when the role's env changes and so rolls the pods then and
   * only then. Throws if `annotations` sets that key to another value.
   */
  public podAnnotations(role: Role, annotations: Readonly<Record<string, string>> = {}): Record<string, string> {
    return mergePodAnnotations(this.revision(role), annotations, `${this.node.path}.podAnnotations(${role})`);
  }

  private expectRole(role: Role, method: string): Role {
    if (!this.roles.includes(role)) {
      throw new StemguardError(`this keyring has no Secret for role "${role}"`, {
        field: `${this.node.path}.${method}`,
        value: role,
        fix: `add "${role}" to the keyring's roles (it has ${this.roles.join(", ")})`,
      });
    }
    return role;
  }
}

/** Construct ID of a role's Secret: part of the Terraform address, so never change it. */
function roleId(role: Role): string {
  return `${role[0].toUpperCase()}${role.slice(1)}`;
}
