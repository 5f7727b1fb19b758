import { StemguardError } from "../core/errors";
import { refuseOwnedVariable, refuseSecondBinding, type EnvOwner } from "../private/user-env-rules";

/** An ECS `environment` entry. */
export interface EcsKeyValuePair {
  readonly name: string;
  readonly value: string;
}

/** An ECS `secrets` entry: `valueFrom` is a secret ARN, optionally `:<json-key>:<stage>:<version-id>`. */
export interface EcsSecretRef {
  readonly name: string;
  readonly valueFrom: string;
}

/**
 * The parts of an ECS container definition the keyring touches. Every other
 * field (`image`, `portMappings`, ...) passes through unchanged.
 */
export interface EcsContainerDefinition {
  readonly name: string;
  readonly environment?: readonly EcsKeyValuePair[];
  readonly secrets?: readonly EcsSecretRef[];
  readonly [field: string]: unknown;
}

/** A container definition after binding: `environment` and `secrets` are always present. */
export type BoundContainerDefinition<T extends EcsContainerDefinition> = T & {
  readonly environment: readonly EcsKeyValuePair[];
  readonly secrets: readonly EcsSecretRef[];
};

/** What a keyring adds to a container for one role. */
export interface StemContainerBinding {
  /** `TZ=UTC`, `STEMGUARD_KEYRING_REVISION=<revision>` and, with a Redis, `STEMGUARD_REDIS_CLIENT_REVISION`. */
  readonly environment: readonly EcsKeyValuePair[];
  /** One entry per Stem variable of the role secret (signing, and with a Redis its URLs), read from its JSON key. */
  readonly secrets: readonly EcsSecretRef[];
}

/**
 * Environment variable whose value is the role's keyring revision. It changes
 * exactly when the role's env changes, so ECS gets a new task-definition
 * revision (and a rolling deployment) then, and only then.
 */
export const KEYRING_REVISION_ENV = "STEMGUARD_KEYRING_REVISION";

/**
 * Environment variable whose value is the Redis client-env revision of a
 * keyring wired to a Redis (`redis` prop): a new value rolls the tasks when
 * their Redis URLs change (clients-tls, a password activation). The ECS
 * counterpart of Kubernetes' `stemguard.io/redis-client-revision`.
 */
export const REDIS_CLIENT_REVISION_ENV = "STEMGUARD_REDIS_CLIENT_REVISION";

/**
 * `container` with `binding` appended to its `environment` and `secrets`.
 * Refuses a container that carries `marker` already (bound twice), that sets
 * any variable under `owner.prefix` itself (`STEM_SIGNING_*`, `STEM_TLS_*`),
 * or another of the binding's names differently, since ECS would then pick
 * one of the two values silently.
 */
export function mergeContainerBinding<T extends EcsContainerDefinition>(
  container: T,
  binding: StemContainerBinding,
  guard: { readonly owner: EnvOwner; readonly marker: string },
  field: string,
): BoundContainerDefinition<T> {
  const environment = [...(container.environment ?? [])];
  const secrets = [...(container.secrets ?? [])];
  if (environment.some((e) => e.name === guard.marker)) refuseSecondBinding(guard.marker, guard.owner, field, container.name);
  const taken = new Map<string, string>();
  for (const e of environment) taken.set(e.name, `environment value ${JSON.stringify(e.value)}`);
  for (const s of secrets) taken.set(s.name, "a secret");
  for (const name of taken.keys()) refuseOwnedVariable(name, guard.owner, field, container.name);
  for (const e of binding.environment) {
    const existing = environment.find((x) => x.name === e.name);
    if (existing && existing.value === e.value && !secrets.some((s) => s.name === e.name)) continue; // e.g. TZ=UTC already there
    refuseTaken(taken, e.name, container.name, field);
    environment.push(e);
  }
  for (const s of binding.secrets) {
    refuseTaken(taken, s.name, container.name, field);
    secrets.push(s);
  }
  return { ...container, environment, secrets };
}

function refuseTaken(taken: Map<string, string>, name: string, container: string, field: string): void {
  const what = taken.get(name);
  if (what === undefined) return;
  throw new StemguardError(`container "${container}" already sets ${name} (${what}); the binding owns this variable`, {
    field,
    value: name,
    fix: name === "TZ" ? "remove TZ from the container or set it to UTC (Stem signatures need the same TZ everywhere)" : `remove ${name} from the container definition`,
  });
}
