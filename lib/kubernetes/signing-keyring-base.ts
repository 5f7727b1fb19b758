import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { planRoleEnv, roleEnvRevision } from "../core/keyring/env-plan";
import type { Role, SigningLedger } from "../core/keyring/types";
import { REDIS_URL_VARIABLES } from "../core/redis/client-env";
import { refuseSecondBinding, STEM_TLS_PREFIX } from "../private/user-env-rules";
import type { IStemRedis } from "./redis-base";
import { mergeContainerEnv, mergePodAnnotations, type EnvVarLike, type SecretKeyEnvVar, type StemContainerEnvVar } from "./workload-env";

/**
 * A signing keyring that Kubernetes workloads can use: one created in this
 * stack (`new StemSigningKeyring`) or one another stack owns
 * (`StemSigningKeyring.fromNamePrefix`).
 */
export interface ISigningKeyring extends IConstruct {
  /** The validated ledger. */
  readonly ledger: SigningLedger;
  /** Namespace of the role Secrets. */
  readonly namespace: string;
  /** Prefix of the Secret names. */
  readonly namePrefix: string;
  /** Roles that have a Secret, in producer, worker, beat order. */
  readonly roles: readonly Role[];
  /** The Redis whose client env each role Secret also carries, when given. */
  readonly redis?: IStemRedis;
  /** The Secret name of `role`: `<namePrefix>-<role>`. */
  secretName(role: Role): string;
  /** The role's keyring revision: the latest ledger phase that changed its env. */
  revision(role: Role): number;
  /** `data_wo_revision` of the role Secret: the keyring revision plus, with a Redis, its client-env revision. */
  secretRevision(role: Role): number;
  /** Names of the Stem variables in the Secret of `role`. */
  variableNames(role: Role): readonly string[];
  /** Env for a Stem container of `role`; refuses own `STEM_SIGNING_*` and a second binding. */
  containerEnv<T extends EnvVarLike>(role: Role, env?: readonly T[]): (T | StemContainerEnvVar)[];
  /** Pod-template annotations that roll a workload of `role` when its env changes. */
  podAnnotations(role: Role, annotations?: Readonly<Record<string, string>>): Record<string, string>;
}

/** What a created and an imported keyring share: everything that follows from the ledger and the Secret names. */
export abstract class SigningKeyringBase extends Construct implements ISigningKeyring {
  public abstract readonly ledger: SigningLedger;
  public abstract readonly namespace: string;
  public abstract readonly namePrefix: string;
  public abstract readonly roles: readonly Role[];
  public abstract readonly redis?: IStemRedis;

  /** Replaying the ledger per call would repeat for every workload; once per role is enough. */
  private readonly revisions = new Map<Role, number>();

  /** The value containers put in `secretKeyRef.name` (a token where the Secret is in this stack). */
  protected abstract secretNameRef(role: Role): string;

  public secretName(role: Role): string {
    return `${this.namePrefix}-${role}`;
  }

  /** The role's keyring revision: the latest ledger phase that changed its env (`data_wo_revision`). */
  public revision(role: Role): number {
    const known = this.revisions.get(this.expectRole(role, "revision"));
    if (known !== undefined) return known;
    const revision = roleEnvRevision(this.ledger, role);
    this.revisions.set(role, revision);
    return revision;
  }

  /**
   * `data_wo_revision` of the role Secret: `revision(role)`, plus the Redis's
   * client-env revision when a Redis is given. One pull request takes one
   * step of one ledger, so the sum moves exactly when one of them does.
   */
  public secretRevision(role: Role): number {
    return this.revision(role) + (this.redis?.clientEnvRevision ?? 0);
  }

  /** Names of the Stem variables in the Secret of `role`: the signing variables in the order Stem documents them, then the Redis env (with `redis`). */
  public variableNames(role: Role): string[] {
    const signing = planRoleEnv(this.ledger, this.expectRole(role, "variableNames")).variables.map((v) => v.name);
    return [...signing, ...(this.redis ? this.redis.clientEnvNames(role) : [])];
  }

  /**
   * Env for a Stem container of `role`: `env` (yours, kept first and
   * unchanged), one `secretKeyRef` entry per Stem signing variable (explicit,
   * so reviews show what each container gets, and `optional: false`, so a
   * missing key stops the container instead of starting Stem with signing off),
   * then `TZ=UTC` unless `env` already sets it. Throws if `env` was bound
   * already, sets a `STEM_SIGNING_*` variable or a TZ other than UTC.
   *
   * The result fits the container `env` of `DeploymentV1`, `StatefulSetV1` and `CronJobV1`.
   */
  public containerEnv<T extends EnvVarLike>(role: Role, env: readonly T[] = []): (T | StemContainerEnvVar)[] {
    const secretName = this.secretNameRef(this.expectRole(role, "containerEnv"));
    if (this.redis) this.refuseOwnRedisEnv(role, env);
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
    return mergePodAnnotations(this.revision(role), annotations, `${this.node.path}.podAnnotations(${role})`, this.redis?.clientEnvRevision);
  }

  /** With a Redis the role Secret carries the Redis URLs and every STEM_TLS_* path: a container's own copy would be a duplicate. */
  private refuseOwnRedisEnv(role: Role, env: readonly EnvVarLike[]): void {
    const field = `${this.node.path}.containerEnv(${role})`;
    const owned = new Set(this.redis!.clientEnvNames(role));
    for (const entry of env) {
      const ref = (entry as { valueFrom?: { secretKeyRef?: { key?: unknown } } }).valueFrom?.secretKeyRef;
      if (owned.has(entry.name) && ref?.key === entry.name) refuseSecondBinding(entry.name, { prefix: "STEM_", owner: "the signing keyring", provides: "the Redis env" }, field);
      if (owned.has(entry.name) || entry.name.startsWith(STEM_TLS_PREFIX) || (REDIS_URL_VARIABLES as readonly string[]).includes(entry.name)) {
        throw new StemguardError(`the container sets ${entry.name}, but the keyring's Secret carries the Redis env of the Redis ledger (URLs and STEM_TLS_* paths); a second value would conflict`, {
          field: `${field}.${entry.name}`,
          fix: `remove ${entry.name} from the container env${entry.name.startsWith(STEM_TLS_PREFIX) ? " (do not also use the TLS bundles' containerEnv: mount their volumes only)" : ""}`,
        });
      }
    }
  }

  protected expectRole(role: Role, method: string): Role {
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
