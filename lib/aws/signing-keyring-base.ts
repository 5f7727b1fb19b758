import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, roleEnvRevision } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { REDIS_URL_VARIABLES } from "../core/redis/client-env";
import { SIGNING_ENV_OWNER, STEM_TLS_PREFIX } from "../private/user-env-rules";
import { KEYRING_REVISION_ENV, REDIS_CLIENT_REVISION_ENV, mergeContainerBinding, type BoundContainerDefinition, type EcsContainerDefinition, type StemContainerBinding } from "./ecs-container";
import { granteeIdPart } from "./grantee-id";
import { readPolicyJson } from "./read-policy";
import type { IStemRedis } from "./redis-base";
import type { IKmsKeyRef, IRoleRef } from "./refs";

/**
 * A signing keyring that ECS services can use: one created in this stack
 * (`new StemSigningKeyring`) or one another stack owns
 * (`StemSigningKeyring.fromNamePrefix`).
 */
export interface ISigningKeyring extends IConstruct {
  /** The validated ledger. */
  readonly ledger: SigningLedger;
  /** Prefix of the secret names. */
  readonly namePrefix: string;
  /** Roles that have a role secret, in producer, worker, beat order. */
  readonly roles: readonly Role[];
  /** The KMS key of the secrets, if any. */
  readonly kmsKey?: IKmsKeyRef;
  /** The Redis whose client env each role secret also carries, when given. */
  readonly redis?: IStemRedis;
  /** ARN of `<namePrefix>/roles/<role>`. */
  roleSecretArn(role: Role): string;
  /** The role's keyring revision: the latest ledger phase that changed its env. */
  revision(role: Role): number;
  /** `secret_string_wo_version` of the role secret: the keyring revision plus, with a Redis, its client-env revision. */
  secretRevision(role: Role): number;
  /** Names of the Stem variables in the role secret, e.g. `STEM_SIGNING_KEYS` (and, with a Redis, `STEM_BROKER_URL`, ...). */
  variableNames(role: Role): readonly string[];
  /** The ECS `secrets` and `environment` entries for a container of `role`. */
  containerBinding(role: Role): StemContainerBinding;
  /** `container` with the role's `containerBinding` merged in; refuses own `STEM_SIGNING_*` and a second binding. */
  bindToContainer<T extends EcsContainerDefinition>(container: T, role: Role): BoundContainerDefinition<T>;
  /** Lets `grantee` (an ECS task execution role) read the role secret of `role`, and decrypt it with `kmsKey`. */
  grantRead(grantee: IRoleRef, role: Role): IamRolePolicy;
}

/** Where a role secret is: its ARN token, and the version a container pins (none for an imported keyring). */
export interface RoleSecretRef {
  readonly arn: string;
  readonly versionId?: string;
}

/** What a created and an imported keyring share: everything that follows from the ledger and the role secret's ARN. */
export abstract class SigningKeyringBase extends Construct implements ISigningKeyring {
  public abstract readonly ledger: SigningLedger;
  public abstract readonly namePrefix: string;
  public abstract readonly roles: readonly Role[];
  public abstract readonly kmsKey?: IKmsKeyRef;
  public abstract readonly redis?: IStemRedis;

  private readonly grants = new Map<string, IamRolePolicy>();
  /** Replaying the ledger per call would repeat for every container; once per role is enough. */
  private readonly revisions = new Map<Role, number>();

  /** The role secret of `role`; throws for a role the keyring has no secret for. */
  protected abstract roleSecret(role: Role, method: string): RoleSecretRef;

  public roleSecretArn(role: Role): string {
    return this.roleSecret(role, "roleSecretArn").arn;
  }

  /** The role's keyring revision (`roleEnvRevision`): `secret_string_wo_version` of its secret. */
  public revision(role: Role): number {
    const known = this.revisions.get(this.expectRole(role, "revision"));
    if (known !== undefined) return known;
    const revision = roleEnvRevision(this.ledger, role);
    this.revisions.set(role, revision);
    return revision;
  }

  /**
   * `secret_string_wo_version` of the role secret: `revision(role)`, plus the
   * Redis's client-env revision when a Redis is given. One pull request
   * takes one step of one ledger, so the sum moves exactly when one of them does.
   */
  public secretRevision(role: Role): number {
    return this.revision(role) + (this.redis?.clientEnvRevision ?? 0);
  }

  /** Names of the Stem variables in the role secret: the signing variables in the order Stem documents them, then the Redis env (with `redis`). */
  public variableNames(role: Role): readonly string[] {
    const signing = planRoleEnv(this.ledger, this.expectRole(role, "variableNames")).variables.map((v) => v.name);
    return [...signing, ...(this.redis ? this.redis.clientEnvNames(role) : [])];
  }

  /**
   * The ECS `secrets` and `environment` entries for a container of `role`:
   * each Stem variable from the role secret's JSON key, pinned to the
   * secret version this phase writes (`<arn>:<name>::<version-id>`; an
   * imported keyring reads AWSCURRENT), plus `TZ=UTC` and
   * `STEMGUARD_KEYRING_REVISION=<revision>`. Pinning makes the task
   * definition depend on the version (new tasks never start with the
   * previous env) and makes a rollback to an older task-definition revision
   * roll the keyring back with it. The revision variable changes exactly when
   * the role's env changes, so ECS starts a new deployment then, and only then.
   * With a Redis, the secret also carries the role's Redis URLs (and
   * `STEM_TLS_CA_CERT` when the Redis has `caCertPath`), and
   * `STEMGUARD_REDIS_CLIENT_REVISION=<client-env revision>` rolls the tasks
   * when they change.
   * That step replaces the task definition: give it `skipDestroy: true` (the
   * previous revision stays registered, and its pinned secret version stays
   * readable, for a rollback) and `lifecycle: { createBeforeDestroy: true }`.
   */
  public containerBinding(role: Role): StemContainerBinding {
    const secret = this.roleSecret(role, "containerBinding");
    return {
      environment: [
        { name: "TZ", value: "UTC" },
        { name: KEYRING_REVISION_ENV, value: String(this.revision(role)) },
        ...(this.redis ? [{ name: REDIS_CLIENT_REVISION_ENV, value: String(this.redis.clientEnvRevision) }] : []),
      ],
      secrets: this.variableNames(role).map((name) => ({ name, valueFrom: `${secret.arn}:${name}::${secret.versionId ?? ""}` })),
    };
  }

  /**
   * `container` with the role's `containerBinding` merged in. Refuses a
   * container that is bound already, that sets one of those variables, or any
   * `STEM_SIGNING_*` variable of its own; with a Redis, also any Redis URL
   * variable or `STEM_TLS_*` of its own (the secret carries the Redis env).
   */
  public bindToContainer<T extends EcsContainerDefinition>(container: T, role: Role): BoundContainerDefinition<T> {
    if (this.redis) refuseOwnRedisEnv(container, `${this.node.path}.bindToContainer(${role})`);
    return mergeContainerBinding(container, this.containerBinding(role), { owner: SIGNING_ENV_OWNER, marker: KEYRING_REVISION_ENV }, `${this.node.path}.bindToContainer(${role})`);
  }

  /**
   * Lets `grantee` (an ECS task execution role, for example) read the role
   * secret of `role`, and decrypt it with `kmsKey` if one is set. Returns the
   * inline policy; granting the same grantee twice returns the same policy.
   * The policy's construct ID derives from the grantee's construct path (or
   * its literal name), so it stays stable.
   */
  public grantRead(grantee: IRoleRef, role: Role): IamRolePolicy {
    const secret = this.roleSecret(role, "grantRead");
    const id = `Read-${role}-${granteeIdPart(grantee, `${this.node.path}.grantRead`)}`;
    const existing = this.grants.get(id);
    if (existing) return existing;
    const policy = new IamRolePolicy(this, id, {
      name: `${this.namePrefix.replace(/[^\w+=,.@-]/g, "-")}-${role}-read`.slice(0, 128),
      role: grantee.name,
      policy: readPolicyJson(secret.arn, this.kmsKey?.arn),
    });
    this.grants.set(id, policy);
    return policy;
  }

  protected expectRole(role: Role, method: string): Role {
    if (!this.roles.includes(role)) {
      throw new StemguardError(`role "${role}" has no secret in this keyring`, {
        field: `${this.node.path}.${method}`,
        value: role,
        fix: `add "${role}" to props.roles (has: ${this.roles.join(", ")})`,
      });
    }
    return role;
  }
}

/** With a Redis the role secret carries every Redis URL and STEM_TLS_* path: a container's own copy would be a second value. */
function refuseOwnRedisEnv(container: EcsContainerDefinition, field: string): void {
  for (const entry of [...(container.environment ?? []), ...(container.secrets ?? [])]) {
    if ((REDIS_URL_VARIABLES as readonly string[]).includes(entry.name) || entry.name.startsWith(STEM_TLS_PREFIX)) {
      throw new StemguardError(`container "${container.name}" sets ${entry.name}, but the keyring's role secret carries the Redis env of the Redis ledger (URLs and STEM_TLS_* paths); a second value would conflict`, {
        field: `${field}.${entry.name}`,
        value: entry.name,
        fix: `remove ${entry.name} from the container definition${entry.name.startsWith(STEM_TLS_PREFIX) ? " (ElastiCache clients trust the platform store; set caCertPath on the StemRedis for a CA bundle)" : ""}`,
      });
    }
  }
}
