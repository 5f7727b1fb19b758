import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn, TerraformStack, type TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, resolveRoleEnv, roleEnvRevision } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { EphemeralResource } from "../private/ephemeral";
import { loadKeyringLedger, resolveKeyringRoles } from "../private/keyring-source";
import { granteeIdPart } from "./grantee-id";
import { KEYRING_REVISION_ENV, mergeContainerBinding, type BoundContainerDefinition, type EcsContainerDefinition, type StemContainerBinding } from "./ecs-container";
import { awsMaterialVariable } from "./material-variable";
import { assertSecretNamePrefix, keySecretName, planAwsMaterialInputs, roleSecretName, type AwsMaterialInputPlan } from "./names";
import { readPolicyJson } from "./read-policy";
import { assertRecoveryWindow } from "./recovery-window";

const KEYRING = Symbol.for("stemguard.StemSigningKeyring");

/** A KMS key by ARN: a `KmsKey`, a `DataAwsKmsKey` or a literal. */
export interface IKmsKeyRef {
  readonly arn: string;
}

/** An IAM role by name and ARN: an `IamRole`, a `DataAwsIamRole` or literals. */
export interface IRoleRef {
  readonly name: string;
  readonly arn: string;
}

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

  /**
   * Prefix of the secret names (`<prefix>/keys/<id>`, `<prefix>/roles/<role>`)
   * and of the material input variables (`<prefix_with_underscores>_key_<id>`).
   * Must be unique per keyring.
   */
  readonly namePrefix: string;

  /**
   * Customer-managed KMS key for all secrets; `grantRead` then also grants `kms:Decrypt`.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKey?: IKmsKeyRef;

  /**
   * Days Secrets Manager keeps a deleted secret restorable (a retired key's,
   * for example). 0 deletes at once; otherwise 7 to 30.
   *
   * @default 7
   */
  readonly recoveryWindowInDays?: number;

  /**
   * Tags for every secret.
   *
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;

  /**
   * Roles that get a role secret. Leave out roles this stack does not run.
   *
   * @default - all roles: producer, worker, beat
   */
  readonly roles?: readonly Role[];
}

/** A material input the keyring declared: names plus the Terraform variable. */
export interface AwsMaterialInput extends AwsMaterialInputPlan {
  /** The ephemeral, sensitive input variable. */
  readonly variable: TerraformVariable;
}

interface KeyParts {
  readonly secret: SecretsmanagerSecret;
  readonly version: SecretsmanagerSecretVersion;
  readonly read: EphemeralResource;
}

interface RoleParts {
  readonly secret: SecretsmanagerSecret;
  readonly version: SecretsmanagerSecretVersion;
  /** The secret's ARN token, created once so validation can find it in container definitions. */
  readonly arn: string;
  readonly revision: number;
  readonly variableNames: readonly string[];
}

/**
 * Stem payload-signing keys in AWS Secrets Manager, driven by a rotation ledger.
 *
 * Per non-retired key: a secret `<namePrefix>/keys/<id>` whose only version is
 * written once, write-only (`secret_string_wo`), from an ephemeral input
 * variable in the phase that creates the key. Per role: a secret
 * `<namePrefix>/roles/<role>` holding the role's Stem signing env as a JSON
 * object, composed at apply time from ephemeral reads of the key secrets and
 * written write-only with `secret_string_wo_version` = the role's keyring
 * revision. No material reaches the synthesized JSON, the plan or the state.
 * A retired key's secret leaves the stack (deleted after `recoveryWindowInDays`).
 *
 * Wire ECS containers with `bindToContainer` (and make the task definition
 * depend on `roleSecretVersion`), execution roles with `grantRead`.
 *
 * Needs Terraform >= 1.11 and the AWS provider >= 5.99 (write-only arguments,
 * ephemeral `aws_secretsmanager_secret_version`).
 */
export class StemSigningKeyring extends Construct {
  /** True for a keyring from any copy of stemguard. */
  public static isStemSigningKeyring(x: unknown): x is StemSigningKeyring {
    return typeof x === "object" && x !== null && KEYRING in x;
  }

  /** The validated ledger this keyring renders. */
  public readonly ledger: SigningLedger;
  /** Prefix of the secret names. */
  public readonly namePrefix: string;
  /** Resolved roles, in producer, worker, beat order. */
  public readonly roles: readonly Role[];
  /** Resolved `recoveryWindowInDays`. */
  public readonly recoveryWindowInDays: number;
  /** The KMS key of the secrets, if any. */
  public readonly kmsKey?: IKmsKeyRef;
  /**
   * The ephemeral inputs of this phase, in ledger order: set
   * `TF_VAR_<variableName>` to the key's material document
   * (`materialSecretJson`). Only `required` ones must be set.
   */
  public readonly materialInputs: readonly AwsMaterialInput[];

  private readonly keys = new Map<string, KeyParts>();
  private readonly roleParts = new Map<Role, RoleParts>();
  private readonly grants = new Map<string, IamRolePolicy>();

  constructor(scope: Construct, id: string, props: StemSigningKeyringProps) {
    super(scope, id);
    Object.defineProperty(this, KEYRING, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;

    this.ledger = loadKeyringLedger(props, field); // parseLedger refuses a phase-0 ledger (no keys)
    assertSecretNamePrefix(props.namePrefix, field("namePrefix"));
    this.namePrefix = props.namePrefix;
    this.recoveryWindowInDays = props.recoveryWindowInDays ?? 7;
    assertRecoveryWindow(this.recoveryWindowInDays, field("recoveryWindowInDays"));
    this.roles = resolveKeyringRoles(props.roles, field("roles"));
    this.kmsKey = props.kmsKey;
    const inputPlans = planAwsMaterialInputs(this.ledger, this.namePrefix);
    claimVariableNames(this, inputPlans);

    const secretConfig = {
      recoveryWindowInDays: this.recoveryWindowInDays,
      ...(props.kmsKey ? { kmsKeyId: props.kmsKey.arn } : {}),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
    };

    const inputs: AwsMaterialInput[] = [];
    for (const plan of inputPlans) {
      const scope = new Construct(this, `Key-${plan.keyId}`);
      const variable = awsMaterialVariable(scope, "Material", plan, this.ledger.algorithm);
      inputs.push({ ...plan, variable });
      const secret = new SecretsmanagerSecret(scope, "Secret", {
        name: keySecretName(this.namePrefix, plan.keyId),
        description: `Material of Stem signing key ${plan.keyId} (${this.ledger.algorithm}). Managed by stemguard; written once, never planned.`,
        ...secretConfig,
      });
      // Material of a key id never changes, so the version is written exactly once.
      const version = new SecretsmanagerSecretVersion(scope, "Version", {
        secretId: secret.id,
        secretStringWo: variable.stringValue,
        secretStringWoVersion: 1,
      });
      // Pinned to the version: Terraform reads the key only after writing it.
      const read = new EphemeralResource(scope, "Read", {
        type: "aws_secretsmanager_secret_version",
        config: { secret_id: secret.id, version_id: version.versionId },
      });
      this.keys.set(plan.keyId, { secret, version, read });
    }
    this.materialInputs = inputs;

    for (const role of this.roles) {
      const scope = new Construct(this, `Role-${role}`);
      const plan = planRoleEnv(this.ledger, role);
      const env = resolveRoleEnv(plan, (ref) => {
        const key = this.keys.get(ref.keyId);
        if (!key) throw new Error(`internal: no key secret for ${ref.keyId}`); // the ledger invariants rule this out
        return Fn.lookup(Fn.jsondecode(key.read.getStringAttribute("secret_string")), ref.field);
      });
      const revision = roleEnvRevision(this.ledger, role);
      const secret = new SecretsmanagerSecret(scope, "Secret", {
        name: roleSecretName(this.namePrefix, role),
        description: `Stem signing env of ${role} components as a JSON object of variables. Managed by stemguard.`,
        ...secretConfig,
      });
      const version = new SecretsmanagerSecretVersion(scope, "Version", {
        secretId: secret.id,
        secretStringWo: Fn.jsonencode(env),
        secretStringWoVersion: revision,
      });
      this.roleParts.set(role, {
        secret,
        version,
        arn: secret.arn,
        revision,
        variableNames: plan.variables.map((v) => v.name),
      });
    }

  }

  /** The algorithm of every key. */
  public get algorithm(): SigningLedger["algorithm"] {
    return this.ledger.algorithm;
  }

  /** ARN of `<namePrefix>/keys/<keyId>` (non-retired keys only). */
  public keySecretArn(keyId: string): string {
    const key = this.keys.get(keyId);
    if (!key) {
      throw new StemguardError(`key "${keyId}" has no secret in this phase`, {
        field: `${this.node.path}.keySecretArn`,
        value: keyId,
        fix: `use one of: ${[...this.keys.keys()].join(", ")} (retired keys have no secret)`,
      });
    }
    return key.secret.arn;
  }

  /** ARN of `<namePrefix>/roles/<role>`. */
  public roleSecretArn(role: Role): string {
    return this.role(role, "roleSecretArn").arn;
  }

  /**
   * The role secret's current version. Make every task definition that reads
   * the role's env depend on it, so new tasks never start with the previous env.
   */
  public roleSecretVersion(role: Role): SecretsmanagerSecretVersion {
    return this.role(role, "roleSecretVersion").version;
  }

  /** The role's keyring revision (`roleEnvRevision`): `secret_string_wo_version` of its secret. */
  public roleEnvRevision(role: Role): number {
    return this.role(role, "roleEnvRevision").revision;
  }

  /** Names of the Stem variables in the role secret, e.g. `STEM_SIGNING_KEYS`. */
  public roleEnvVariableNames(role: Role): readonly string[] {
    return this.role(role, "roleEnvVariableNames").variableNames;
  }

  /**
   * The ECS `secrets` and `environment` entries for a container of `role`:
   * each Stem variable from the role secret's JSON key, pinned to the
   * secret version this phase writes (`<arn>:<name>::<version-id>`), plus
   * `TZ=UTC` and `STEMGUARD_KEYRING_REVISION=<revision>`. Pinning makes the
   * task definition depend on the version (new tasks never start with the
   * previous env) and makes a rollback to an older task-definition revision
   * roll the keyring back with it, instead of reading AWSCURRENT.
   */
  public containerBinding(role: Role): StemContainerBinding {
    const parts = this.role(role, "containerBinding");
    return {
      environment: [
        { name: "TZ", value: "UTC" },
        { name: KEYRING_REVISION_ENV, value: String(parts.revision) },
      ],
      secrets: parts.variableNames.map((name) => ({ name, valueFrom: `${parts.arn}:${name}::${parts.version.versionId}` })),
    };
  }

  /**
   * `container` with the role's `containerBinding` merged in. Refuses a
   * container that already sets one of those variables, or any
   * `STEM_SIGNING_*` variable of its own.
   */
  public bindToContainer<T extends EcsContainerDefinition>(container: T, role: Role): BoundContainerDefinition<T> {
    return mergeContainerBinding(container, this.containerBinding(role), `${this.node.path}.bindToContainer(${role})`);
  }

  /**
   * Lets `grantee` (an ECS task execution role, for example) read the role
   * secret of `role`, and decrypt it with `kmsKey` if one is set. Returns the
   * inline policy; granting the same grantee twice returns the same policy.
   * The policy's construct ID derives from the grantee's construct path (or
   * its literal name), so it stays stable.
   */
  public grantRead(grantee: IRoleRef, role: Role): IamRolePolicy {
    const parts = this.role(role, "grantRead");
    const id = `Read-${role}-${granteeIdPart(grantee, `${this.node.path}.grantRead`)}`;
    const existing = this.grants.get(id);
    if (existing) return existing;
    const policy = new IamRolePolicy(this, id, {
      name: `${this.namePrefix.replace(/[^\w+=,.@-]/g, "-")}-${role}-read`.slice(0, 128),
      role: grantee.name,
      policy: readPolicyJson(parts.arn, this.kmsKey?.arn),
    });
    this.grants.set(id, policy);
    return policy;
  }

  private role(role: Role, method: string): RoleParts {
    const parts = this.roleParts.get(role);
    if (!parts) {
      throw new StemguardError(`role "${role}" has no secret in this keyring`, {
        field: `${this.node.path}.${method}`,
        value: role,
        fix: `add "${role}" to props.roles (has: ${this.roles.join(", ")})`,
      });
    }
    return parts;
  }
}

/** Variable names per stack, so two keyrings cannot silently share (and overwrite) one. */
const CLAIMED = new WeakMap<TerraformStack, Map<string, string>>();

function claimVariableNames(keyring: StemSigningKeyring, plans: readonly AwsMaterialInputPlan[]): void {
  const stack = TerraformStack.of(keyring);
  const claimed = CLAIMED.get(stack) ?? new Map<string, string>();
  CLAIMED.set(stack, claimed);
  for (const plan of plans) {
    const owner = claimed.get(plan.variableName);
    if (owner !== undefined) {
      throw new StemguardError(`Terraform variable ${plan.variableName} is already declared by keyring ${owner}`, {
        field: `${keyring.node.path} props.namePrefix`,
        value: keyring.namePrefix,
        fix: "give each keyring in a stack its own namePrefix",
      });
    }
    claimed.set(plan.variableName, keyring.node.path);
  }
}
