import { StemguardError } from "../core/errors";
import { refuseOwnedVariable, refuseSecondBinding, SIGNING_ENV_OWNER } from "../private/user-env-rules";

/**
 * Pod-template annotation carrying the role's keyring revision. Containers read
 * Secret-backed env only at start, so a new value here is what rolls the pods
 * after their keyring changed; an unchanged keyring leaves it (and the pods) alone.
 */
export const KEYRING_REVISION_ANNOTATION = "stemguard.io/keyring-revision";

/**
 * Pod-template annotation carrying the Redis client-env revision of a keyring
 * wired to a Redis (`redis` prop): a new value rolls the pods when their Redis
 * URLs or STEM_TLS_* paths change (clients-tls, client-auth optional, a password activation).
 */
export const REDIS_CLIENT_REVISION_ANNOTATION = "stemguard.io/redis-client-revision";

/** Stem serialises local times without an offset, so every Stem container runs in UTC (docs/stem-compat.md §2.7). */
export const STEM_TIME_ZONE = "UTC";

/**
 * A container env entry that reads one key of the role Secret. Structurally
 * assignable to the `env` items of `DeploymentV1`, `StatefulSetV1` and
 * `CronJobV1` containers.
 */
export interface SecretKeyEnvVar {
  readonly name: string;
  readonly valueFrom: {
    readonly secretKeyRef: {
      /** The role Secret's name (a token, so Terraform writes the Secret before it updates the workload). */
      readonly name: string;
      readonly key: string;
      /** Always false: a missing key must stop the container, not start Stem with signing silently off. */
      readonly optional: boolean;
    };
  };
}

/** A container env entry with a literal value (used for `TZ`). */
export interface LiteralEnvVar {
  readonly name: string;
  readonly value: string;
}

/** What the keyring adds to a container's env. */
export type StemContainerEnvVar = SecretKeyEnvVar | LiteralEnvVar;

/** The least an env entry of any workload binding has. */
export interface EnvVarLike {
  readonly name: string;
}

/**
 * The user's env followed by the keyring's entries and `TZ=UTC`. Throws when
 * the user's env came from a keyring already (bound twice), sets a `STEM_SIGNING_*` variable (the keyring owns them) or a
 * `TZ` other than UTC; a user `TZ=UTC` is kept as is.
 */
export function mergeContainerEnv<T extends EnvVarLike>(
  stemEnv: readonly StemContainerEnvVar[],
  userEnv: readonly T[],
  field: string,
): (T | StemContainerEnvVar)[] {
  let userSetsUtc = false;
  for (const entry of userEnv) {
    if (isKeyringEntry(entry)) refuseSecondBinding(entry.name, SIGNING_ENV_OWNER, field);
    refuseOwnedVariable(entry.name, SIGNING_ENV_OWNER, field);
    if (entry.name === "TZ") {
      const value = (entry as { value?: unknown }).value;
      if (value !== STEM_TIME_ZONE) {
        throw new StemguardError("every Stem container must run in UTC: producers and workers in different TZ compute different signatures for local eta/notBefore", {
          field: `${field}.TZ`,
          value: value ?? "(from valueFrom)",
          fix: 'remove TZ (the keyring sets TZ=UTC) or set it to "UTC"',
        });
      }
      userSetsUtc = true;
    }
  }
  return [...userEnv, ...stemEnv, ...(userSetsUtc ? [] : [{ name: "TZ", value: STEM_TIME_ZONE }])];
}

/**
 * The user's pod-template annotations plus the keyring-revision annotation.
 * Throws if the user set that annotation to another value.
 */
export function mergePodAnnotations(
  revision: number,
  userAnnotations: Readonly<Record<string, string>>,
  field: string,
  redisRevision?: number,
): Record<string, string> {
  const owned: [string, string][] = [[KEYRING_REVISION_ANNOTATION, String(revision)], ...(redisRevision === undefined ? [] : [[REDIS_CLIENT_REVISION_ANNOTATION, String(redisRevision)] as [string, string]])];
  for (const [key, value] of owned) {
    const existing = userAnnotations[key];
    if (existing !== undefined && existing !== value) {
      throw new StemguardError(`${key} is set by the signing keyring (revision ${value})`, {
        field: `${field}.${key}`,
        value: existing,
        fix: "remove the annotation; a pod takes its Stem signing env from exactly one keyring role",
      });
    }
  }
  return { ...userAnnotations, ...Object.fromEntries(owned) };
}

/** An entry a keyring added: a `STEM_SIGNING_*` variable read from the Secret key of the same name. */
function isKeyringEntry(entry: EnvVarLike): boolean {
  const ref = (entry as { valueFrom?: { secretKeyRef?: { key?: unknown } } }).valueFrom?.secretKeyRef;
  return entry.name.startsWith(SIGNING_ENV_OWNER.prefix) && ref !== undefined && ref.key === entry.name;
}
