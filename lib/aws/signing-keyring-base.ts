import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, roleEnvRevision } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { SIGNING_ENV_OWNER } from "../private/user-env-rules";
import { KEYRING_REVISION_ENV, mergeContainerBinding, type BoundContainerDefinition, type EcsContainerDefinition, type StemContainerBinding } from "./ecs-container";
import { granteeIdPart } from "./grantee-id";
import { readPolicyJson } from "./read-policy";
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
  /** ARN of `<namePrefix>/roles/<role>`. */
  roleSecretArn(role: Role): string;
  /** The role's keyring revision: the latest ledger phase that changed its env. */
  revision(role: Role): number;
  /** Names of the Stem variables in the role secret, e.g. `STEM_SIGNING_KEYS`. */
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

  public variableNames(role: Role): readonly string[] {
    return planRoleEnv(this.ledger, this.expectRole(role, "variableNames")).variables.map((v) => v.name);
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
      ],
      secrets: this.variableNames(role).map((name) => ({ name, valueFrom: `${secret.arn}:${name}::${secret.versionId ?? ""}` })),
    };
  }

  /**
   * `container` with the role's `containerBinding` merged in. Refuses a
   * container that is bound already, that sets one of those variables, or any
   * `STEM_SIGNING_*` variable of its own.
   */
  public bindToContainer<T extends EcsContainerDefinition>(container: T, role: Role): BoundContainerDefinition<T> {
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
