import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn, TerraformStack, type TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, resolveRoleEnv } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { EphemeralResource } from "../private/ephemeral";
import { ledgerTag, loadKeyringLedger, resolveKeyringRoles } from "../private/keyring-source";
import type { MaterialInputPlan } from "../private/material-input-plan";
import { markSigningKeyring } from "../private/review-marker";
import { claimObjectName } from "../private/stack-claims";
import { awsMaterialVariable } from "./material-variable";
import { assertSecretNamePrefix, keySecretName, planMaterialInputs, roleSecretName } from "./names";
import type { IStemRedis } from "./redis-base";
import { assertRecoveryWindow } from "./recovery-window";
import { assertSecretTags } from "./secret-tags";
import type { IKmsKeyRef } from "./refs";
import { SigningKeyringBase, type ISigningKeyring, type RoleSecretRef } from "./signing-keyring-base";

export type { IKmsKeyRef, IRoleRef } from "./refs";
export type { ISigningKeyring } from "./signing-keyring-base";

const KEYRING = Symbol.for("stemguard.StemSigningKeyring");

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-signing";

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
   * Starts with a letter. Two keyrings in one stack with the same prefix share
   * the material inputs but would write the same secrets, so the second is refused.
   *
   * @default "stem-signing"
   */
  readonly namePrefix?: string;

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

  /**
   * A Redis (`StemRedis`, or `StemRedis.fromNamePrefix` for one another
   * stack owns) in this stack. Each role secret then also carries that
   * role's Redis env (`STEM_BROKER_URL`, `STEM_RESULT_BACKEND_URL`, ... with
   * the active password, and `STEM_TLS_CA_CERT` when the Redis has a
   * `caCertPath`), written write-only like the signing variables, and
   * `bindToContainer` reads them from it: a role's whole Stem env is one
   * secret. Tasks roll when the Redis client env changes
   * (`STEMGUARD_REDIS_CLIENT_REVISION`). Containers must then not set those
   * variables themselves. The dashboard signs like a producer: bind it with
   * the producer role.
   *
   * @default - the role secrets carry the signing env only
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

  /**
   * The owning keyring's `namePrefix`.
   *
   * @default "stem-signing"
   */
  readonly namePrefix?: string;

  /**
   * The owning keyring's KMS key, so `grantRead` also grants `kms:Decrypt`.
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKey?: IKmsKeyRef;

  /**
   * Roles this stack uses; each must have a role secret in the owning stack.
   *
   * @default - all roles: producer, worker, beat
   */
  readonly roles?: readonly Role[];

  /**
   * The Redis the owning keyring was given (`redis`; here e.g.
   * `StemRedis.fromNamePrefix`), so `variableNames` and the container
   * bindings match its role secrets.
   *
   * @default - no Redis env in the role secrets
   */
  readonly redis?: IStemRedis;
}

/** A material input the keyring declared: names plus the Terraform variable. */
export interface MaterialInput extends MaterialInputPlan {
  /** The ephemeral, sensitive input variable (stack level, shared by keyrings that need the same key). */
  readonly variable: TerraformVariable;
}

interface KeyParts {
  readonly secret: SecretsmanagerSecret;
  readonly version: SecretsmanagerSecretVersion;
  readonly read: EphemeralResource;
}

interface RoleParts extends RoleSecretRef {
  readonly secret: SecretsmanagerSecret;
  readonly version: SecretsmanagerSecretVersion;
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
 * revision; a step that changes the env replaces that version create before
 * destroy (the previous version stays readable by its version id). No
 * material reaches the synthesized JSON, the plan or the state.
 * A retired key's secret leaves the stack (deleted after `recoveryWindowInDays`).
 *
 * Wire ECS containers with `bindToContainer`, execution roles with
 * `grantRead`; give their task definitions `skipDestroy: true` and
 * `lifecycle: { createBeforeDestroy: true }`, so each step registers the new
 * revision first and keeps the previous one for rollback. Services in other
 * stacks use `StemSigningKeyring.fromNamePrefix`.
 *
 * Needs Terraform >= 1.11 and the AWS provider >= 5.99 (write-only arguments,
 * ephemeral `aws_secretsmanager_secret_version`).
 */
export class StemSigningKeyring extends SigningKeyringBase {
  /** True for a keyring created by any copy of stemguard (not for one imported with `fromNamePrefix`). */
  public static isStemSigningKeyring(x: unknown): x is StemSigningKeyring {
    return typeof x === "object" && x !== null && KEYRING in x;
  }

  /**
   * A keyring another stack created (a platform team keeps the keyring in one
   * stack, services live in others). Creates no secret and asks for no
   * material: the role secrets are looked up by name (an
   * `aws_secretsmanager_secret` data source, metadata only, never the value),
   * and `revision`, `variableNames` and the container bindings follow from
   * the same ledger. Containers read the secret's current version, so apply
   * the owning stack first in every phase.
   */
  public static fromNamePrefix(scope: Construct, id: string, props: SigningKeyringImportProps): ISigningKeyring {
    return new ImportedSigningKeyring(scope, id, props);
  }

  /** The validated ledger this keyring renders. */
  public readonly ledger: SigningLedger;
  /** Resolved `namePrefix`. */
  public readonly namePrefix: string;
  /** Resolved roles, in producer, worker, beat order. */
  public readonly roles: readonly Role[];
  /** Resolved `recoveryWindowInDays`. */
  public readonly recoveryWindowInDays: number;
  /** The KMS key of the secrets, if any. */
  public readonly kmsKey?: IKmsKeyRef;
  /** The Redis whose client env the role secrets carry, when given. */
  public readonly redis?: IStemRedis;
  /**
   * The ephemeral inputs of this phase, in ledger order: set
   * `TF_VAR_<variableName>` to the key's material document
   * (`materialSecretJson`). Only `required` ones must be set.
   */
  public readonly materialInputs: readonly MaterialInput[];

  private readonly keys = new Map<string, KeyParts>();
  private readonly roleParts = new Map<Role, RoleParts>();

  constructor(scope: Construct, id: string, props: StemSigningKeyringProps) {
    super(scope, id);
    Object.defineProperty(this, KEYRING, { value: true });
    markSigningKeyring(this, "aws", false);
    const field = (name: string) => `${this.node.path} props.${name}`;

    this.ledger = loadKeyringLedger(props, field); // parseLedger refuses a phase-0 ledger (no keys)
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertSecretNamePrefix(this.namePrefix, field("namePrefix"));
    this.recoveryWindowInDays = props.recoveryWindowInDays ?? 7;
    assertRecoveryWindow(this.recoveryWindowInDays, field("recoveryWindowInDays"));
    this.roles = resolveKeyringRoles(props.roles, field("roles"));
    this.kmsKey = props.kmsKey;
    this.redis = checkedRedis(this, props.redis, field("redis"));
    assertSecretTags(props.tags, field("tags"));
    const inputPlans = planMaterialInputs(this.ledger, this.namePrefix);
    const tag = ledgerTag(this.ledger);
    const claim = (name: string) => claimObjectName(this, `Secrets Manager secret ${name}`, this.node.path, field("namePrefix"), this.namePrefix);

    const secretConfig = {
      recoveryWindowInDays: this.recoveryWindowInDays,
      ...(props.kmsKey ? { kmsKeyId: props.kmsKey.arn } : {}),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
    };

    const inputs: MaterialInput[] = [];
    for (const plan of inputPlans) {
      const name = keySecretName(this.namePrefix, plan.keyId);
      claim(name);
      const variable = awsMaterialVariable(this, plan, this.ledger.algorithm, tag, field("namePrefix"));
      inputs.push({ ...plan, variable });
      const scope = new Construct(this, `Key-${plan.keyId}`);
      const secret = new SecretsmanagerSecret(scope, "Secret", {
        name,
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
      const name = roleSecretName(this.namePrefix, role);
      claim(name);
      const scope = new Construct(this, `Role-${role}`);
      const plan = planRoleEnv(this.ledger, role);
      const env = resolveRoleEnv(plan, (ref) => {
        const key = this.keys.get(ref.keyId);
        if (!key) throw new Error(`internal: no key secret for ${ref.keyId}`); // the ledger invariants rule this out
        return Fn.lookup(Fn.jsondecode(key.read.getStringAttribute("secret_string")), ref.field);
      });
      // The Redis URLs hold the password (a sensitive expression): they go only into the write-only JSON.
      for (const entry of this.redis?.clientEnv(role) ?? []) {
        if (entry.name in env) throw new StemguardError(`${entry.name} would be set twice in the role secret`, { field: field("redis"), value: entry.name, fix: "report this: signing and Redis variables never share a name" });
        env[entry.name] = entry.value;
      }
      const secret = new SecretsmanagerSecret(scope, "Secret", {
        name,
        description: `Stem ${this.redis ? "signing and Redis env" : "signing env"} of ${role} components as a JSON object of variables. Managed by stemguard.`,
        ...secretConfig,
      });
      // Every step that changes the role's env replaces this version (a new
      // `secret_string_wo_version` forces it). Create before destroy: the new
      // version exists (and is AWSCURRENT) before the old one leaves the
      // state, and the old one keeps AWSPREVIOUS, so the previous task-definition
      // revision, which pins its version id, can still start tasks (rollback).
      const version = new SecretsmanagerSecretVersion(scope, "Version", {
        secretId: secret.id,
        secretStringWo: Fn.jsonencode(env),
        secretStringWoVersion: this.secretRevision(role),
        lifecycle: { createBeforeDestroy: true },
      });
      // The ARN token is created once, so validation can find it in container definitions.
      this.roleParts.set(role, { secret, version, arn: secret.arn, versionId: version.versionId });
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

  /**
   * The role secret's current version. Make every task definition that reads
   * the role's env depend on it, so new tasks never start with the previous env.
   */
  public roleSecretVersion(role: Role): SecretsmanagerSecretVersion {
    return this.roleSecret(role, "roleSecretVersion").version;
  }

  protected roleSecret(role: Role, method: string): RoleParts {
    return this.roleParts.get(this.expectRole(role, method))!;
  }
}

/** `StemSigningKeyring.fromNamePrefix`: binds and grants against role secrets another stack writes. */
class ImportedSigningKeyring extends SigningKeyringBase {
  public readonly ledger: SigningLedger;
  public readonly namePrefix: string;
  public readonly roles: readonly Role[];
  public readonly kmsKey?: IKmsKeyRef;
  public readonly redis?: IStemRedis;
  private readonly arns = new Map<Role, string>();

  constructor(scope: Construct, id: string, props: SigningKeyringImportProps) {
    super(scope, id);
    markSigningKeyring(this, "aws", true);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.ledger = loadKeyringLedger(props, field);
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertSecretNamePrefix(this.namePrefix, field("namePrefix"));
    this.roles = resolveKeyringRoles(props.roles, field("roles"));
    this.kmsKey = props.kmsKey;
    this.redis = checkedRedis(this, props.redis, field("redis"));
  }

  protected roleSecret(role: Role, method: string): RoleSecretRef {
    let arn = this.arns.get(this.expectRole(role, method));
    if (arn === undefined) {
      // Looked up on first use, so a stack that binds only workers reads only the worker secret's metadata.
      arn = new DataAwsSecretsmanagerSecret(this, `Role-${role}`, { name: roleSecretName(this.namePrefix, role) }).arn;
      this.arns.set(role, arn);
    }
    return { arn };
  }
}

/** The Redis must be in the keyring's stack: the URLs use that stack's stored copies of the passwords. */
function checkedRedis(keyring: Construct, redis: IStemRedis | undefined, field: string): IStemRedis | undefined {
  if (redis !== undefined && TerraformStack.of(redis) !== TerraformStack.of(keyring)) {
    throw new StemguardError("the Redis is in another stack; the role secrets can only use password inputs of their own stack", {
      field,
      value: redis.node.path,
      fix: `use StemRedis.fromNamePrefix(this, "Redis", { ledgerFile: "stemguard.redis.json", namePrefix: "${redis.namePrefix}" }) in this stack`,
    });
  }
  return redis;
}
